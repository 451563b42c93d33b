"""Projection of query rows into the REST JSON shape: attributes, nested parents, JSON values."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal

from crm_sandbox.salesforce.schema import NUMBER_TYPES, FieldDef, ObjectDef
from crm_sandbox.salesforce.soql_ast import Query
from crm_sandbox.salesforce.soql_paths import Path, resolve
from crm_sandbox.salesforce.store import Record, Store
from crm_sandbox.salesforce.values import Value, format_datetime


def json_value(value: Value) -> object:
    """A typed value as the REST API writes it in JSON."""
    if isinstance(value, datetime):
        return format_datetime(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    return value


def converter(fd: FieldDef) -> Callable[[Value], object] | None:
    """How a field's typed values become JSON values (``None``: they already are)."""
    if fd.type == "datetime":
        return lambda v: format_datetime(v) if isinstance(v, datetime) else v
    if fd.type == "date":
        return lambda v: v.isoformat() if isinstance(v, date) else v
    if fd.type in NUMBER_TYPES and fd.type != "int":
        return lambda v: float(v) if isinstance(v, Decimal) else v
    return None


Converter = Callable[[FieldDef], Callable[[Value], object] | None]


def projector(
    store: Store, obj: ObjectDef, query: Query, version: str, convert: Converter = converter
) -> Callable[[Record], dict[str, object]]:
    """A function turning a record into the query result JSON (attributes, nested parents).

    ``convert`` picks each field's value conversion (the REST API's by default).
    """
    base = f"/services/data/v{version}/sobjects/"
    paths = [resolve(store, obj, parts) for parts in query.fields]
    tables = store.records
    url_prefix = f"{base}{obj.name}/"
    # Own fields are the hot path: (name, converter) pairs copied straight from the record.
    plain = [(p.field.name, convert(p.field)) for p in paths if not p.hops]
    nested_paths = [(p, convert(p.field)) for p in paths if p.hops]
    ordered = [p.field.name if not p.hops else None for p in paths]

    def fill_nested(out: dict[str, object], rec: Record) -> None:
        for path, conv in nested_paths:
            target: dict[str, object] | None = out
            cur: Record | None = rec
            for (ref, hop_obj), rel_name in zip(path.hops, path.parts, strict=False):
                key = ref.relationship_name or rel_name
                ref_id = cur.get(ref.name) if cur is not None else None
                cur = tables[hop_obj.name].get(ref_id) if isinstance(ref_id, str) else None
                if target is None:
                    break
                if cur is None:
                    target.setdefault(key, None)
                    target = None
                    break
                existing = target.get(key)
                if isinstance(existing, dict):
                    nested: dict[str, object] = existing
                else:
                    nested = {
                        "attributes": {
                            "type": hop_obj.name,
                            "url": f"{base}{hop_obj.name}/{cur['Id']}",
                        }
                    }
                    target[key] = nested
                target = nested
            if target is not None and cur is not None:
                value = cur.get(path.field.name)
                target[path.field.name] = conv(value) if conv is not None else value

    def project(rec: Record) -> dict[str, object]:
        out: dict[str, object] = {
            "attributes": {"type": obj.name, "url": url_prefix + str(rec["Id"])}
        }
        for name, conv in plain:
            value = rec[name]
            out[name] = conv(value) if conv is not None else value
        if nested_paths:
            fill_nested(out, rec)
            # Keep the SELECT order of keys, as the real API does.
            if None in ordered:
                return {
                    "attributes": out["attributes"],
                    **{k: out[k] for k in _keys(paths) if k in out},
                }
        return out

    return project


def _keys(paths: list[Path]) -> list[str]:
    keys: list[str] = []
    for p in paths:
        key = p.hops[0][0].relationship_name or p.parts[0] if p.hops else p.field.name
        if key not in keys:
            keys.append(key)
    return keys
