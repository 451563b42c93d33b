"""SOQL field paths (``Account.Owner.Name``) resolved against the schema, with Salesforce's errors."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from crm_sandbox.salesforce.errors import SalesforceApiError, invalid_field, query_error
from crm_sandbox.salesforce.schema import FieldDef, ObjectDef
from crm_sandbox.salesforce.store import Record, Store
from crm_sandbox.salesforce.values import Value

Getter = Callable[[Record], Value]
Predicate = Callable[[Record], bool]
#: Where a path sits in a query: (query text, offset), for Salesforce-style error carets.
Where = tuple[str, int]
WSDL_HINT = "Please reference your WSDL or the describe call for the appropriate names."


@dataclass
class Path:
    """A resolved field path: the reference hops, the final field and its object."""

    parts: tuple[str, ...]
    hops: list[tuple[FieldDef, ObjectDef]]  # reference field on the previous object, target
    field: FieldDef
    getter: Getter


def _field_error(at: Where | None, parts: tuple[str, ...], message: str) -> SalesforceApiError:
    if at is None:
        return invalid_field(message, [".".join(parts)])
    return query_error("INVALID_FIELD", at[0], at[1], message, [".".join(parts)])


def resolve(store: Store, obj: ObjectDef, parts: tuple[str, ...], at: Where | None = None) -> Path:
    """Resolve ``Account.Owner.Name``-style paths against the schema (INVALID_FIELD if unknown).

    ``at`` (query text, offset) points the error's caret at the path, as Salesforce does.
    """
    hops: list[tuple[FieldDef, ObjectDef]] = []
    current = obj
    for rel in parts[:-1]:
        ref = current.relationship(rel)
        if ref is None:
            raise _field_error(
                at,
                parts,
                f"Didn't understand relationship '{rel}' in field path. If you are attempting to "
                "use a custom relationship, be sure to append the '__r' after the custom "
                f"relationship name. {WSDL_HINT}",
            )
        current = store.objects[ref.reference_to[0]]
        hops.append((ref, current))
    fd = current.field(parts[-1])
    if fd is None:
        raise _field_error(
            at,
            parts,
            f"No such column '{parts[-1]}' on entity '{current.name}'. If you are attempting to "
            f"use a custom field, be sure to append the '__c' after the custom field name. {WSDL_HINT}",
        )
    name = fd.name
    if not hops:
        return Path(parts, hops, fd, lambda rec: rec.get(name))
    chain = [(ref.name, target.name) for ref, target in hops]
    tables = store.records

    def getter(rec: Record) -> Value:
        cur: Record | None = rec
        for ref_name, target in chain:
            ref_id = cur.get(ref_name) if cur is not None else None
            cur = tables[target].get(ref_id) if isinstance(ref_id, str) else None
        return cur.get(name) if cur is not None else None

    return Path(parts, hops, fd, getter)
