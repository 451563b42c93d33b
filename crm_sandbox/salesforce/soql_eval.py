"""Evaluate a parsed SOQL query against the store: field paths, filters, ordering, projection."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import Decimal

from crm_sandbox.salesforce import ids
from crm_sandbox.salesforce.errors import SalesforceApiError, invalid_field
from crm_sandbox.salesforce.schema import NUMBER_TYPES, FieldDef, ObjectDef
from crm_sandbox.salesforce.soql_ast import (
    BoolOp,
    Compare,
    Condition,
    DateRange,
    Like,
    LiteralOrRange,
    Not,
    Query,
)
from crm_sandbox.salesforce.store import Record, Store
from crm_sandbox.salesforce.values import Value

Getter = Callable[[Record], Value]
Predicate = Callable[[Record], bool]


@dataclass
class Path:
    """A resolved field path: the reference hops, the final field and its object."""

    parts: tuple[str, ...]
    hops: list[tuple[FieldDef, ObjectDef]]  # reference field on the previous object, target
    field: FieldDef
    getter: Getter


def resolve(store: Store, obj: ObjectDef, parts: tuple[str, ...]) -> Path:
    """Resolve ``Account.Owner.Name``-style paths against the schema (INVALID_FIELD if unknown)."""
    hops: list[tuple[FieldDef, ObjectDef]] = []
    current = obj
    for rel in parts[:-1]:
        ref = current.relationship(rel)
        if ref is None:
            raise invalid_field(
                f"Didn't understand relationship '{rel}' in field path. If you are attempting to "
                "use a custom relationship, be sure to append the '__r' after the custom "
                "relationship name.",
                [".".join(parts)],
            )
        current = store.objects[ref.reference_to[0]]
        hops.append((ref, current))
    fd = current.field(parts[-1])
    if fd is None:
        raise invalid_field(
            f"No such column '{parts[-1]}' on entity '{current.name}'. If you are attempting to "
            "use a custom field, be sure to append the '__c' after the custom field name.",
            [".".join(parts)],
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


def _type_error(fd: FieldDef, want: str) -> SalesforceApiError:
    return invalid_field(
        f"value of filter criterion for field '{fd.name}' must be of type {want} and should "
        "not be enclosed in quotes",
        [fd.name],
    )


def _coerce_literal(fd: FieldDef, value: LiteralOrRange) -> Value | tuple[Value, Value]:
    """The literal as the field's type; a DateRange becomes a (start, end) pair."""
    if value is None:
        return None
    t = fd.type
    if isinstance(value, DateRange):
        if t == "date":
            return (value.start, value.end)
        if t == "datetime":
            return (
                datetime.combine(value.start, time(), UTC),
                datetime.combine(value.end, time(), UTC),
            )
        raise _type_error(fd, t)
    if t == "boolean":
        if not isinstance(value, bool):
            raise _type_error(fd, "boolean")
        return value
    if t in NUMBER_TYPES:
        if not isinstance(value, Decimal):
            raise _type_error(fd, "number")
        return value
    if t == "datetime":
        if not isinstance(value, datetime):
            raise _type_error(fd, "dateTime")
        return value
    if t == "date":
        if isinstance(value, datetime) or not isinstance(value, date):
            raise _type_error(fd, "date")
        return value
    if not isinstance(value, str):
        raise invalid_field(
            f"value of filter criterion for field '{fd.name}' must be of type string and "
            "should be enclosed in quotes",
            [fd.name],
        )
    if t in ("id", "reference"):
        return ids.normalize(value) or value
    return value.casefold()


def _compare(path: Path, op: str, literal: Value | tuple[Value, Value]) -> Predicate:
    get = path.getter
    fold = path.field.is_string
    if isinstance(literal, tuple):
        lo, hi = literal
        ranges: dict[str, Callable[[Value], bool]] = {
            "=": lambda v: lo <= v < hi,  # type: ignore[operator]
            "!=": lambda v: not (lo <= v < hi),  # type: ignore[operator]
            "<": lambda v: v < lo,  # type: ignore[operator]
            "<=": lambda v: v < hi,  # type: ignore[operator]
            ">": lambda v: v >= hi,  # type: ignore[operator]
            ">=": lambda v: v >= lo,  # type: ignore[operator]
        }
        test = ranges[op]
        return lambda rec: (v := get(rec)) is not None and test(v)
    if literal is None:
        if op == "=":
            return lambda rec: get(rec) is None
        if op == "!=":
            return lambda rec: get(rec) is not None
        return lambda rec: False

    def value_of(rec: Record) -> Value:
        v = get(rec)
        return v.casefold() if fold and isinstance(v, str) else v

    ops: dict[str, Callable[[Value], bool]] = {
        "=": lambda v: v == literal,
        "!=": lambda v: v != literal,
        "<": lambda v: v is not None and v < literal,  # type: ignore[operator]
        "<=": lambda v: v is not None and v <= literal,  # type: ignore[operator]
        ">": lambda v: v is not None and v > literal,  # type: ignore[operator]
        ">=": lambda v: v is not None and v >= literal,  # type: ignore[operator]
    }
    test = ops[op]
    return lambda rec: test(value_of(rec))


def compile_condition(store: Store, obj: ObjectDef, cond: Condition) -> Predicate:
    """A predicate over records for a WHERE condition."""
    if isinstance(cond, BoolOp):
        preds = [compile_condition(store, obj, c) for c in cond.items]
        if cond.op == "AND":
            return lambda rec: all(p(rec) for p in preds)
        return lambda rec: any(p(rec) for p in preds)
    if isinstance(cond, Not):
        inner = compile_condition(store, obj, cond.item)
        return lambda rec: not inner(rec)
    path = resolve(store, obj, cond.path)
    if isinstance(cond, Compare):
        return _compare(path, cond.op, _coerce_literal(path.field, cond.value))
    if isinstance(cond, Like):
        regex = "".join(
            ".*" if ch == "%" else "." if ch == "_" else re.escape(ch) for ch in cond.pattern
        )
        pattern = re.compile(regex, re.IGNORECASE | re.DOTALL)
        get = path.getter
        return lambda rec: isinstance(v := get(rec), str) and pattern.fullmatch(v) is not None
    preds = [_compare(path, "=", _coerce_literal(path.field, v)) for v in cond.values]
    if cond.negate:
        return lambda rec: not any(p(rec) for p in preds)
    return lambda rec: any(p(rec) for p in preds)


def _sort(store: Store, obj: ObjectDef, query: Query, rows: list[Record]) -> None:
    # Stable sorts from the last key to the first give a multi-key order.
    for key in reversed(query.order):
        path = resolve(store, obj, key.path)
        get = path.getter
        # Text sorts case-insensitively; ids sort as they compare (case matters), so that
        # ``ORDER BY Id`` and ``WHERE Id > '...'`` agree, as keyset paging needs.
        fold = path.field.type not in ("id", "reference")
        nulls_first = key.ascending if key.nulls_first is None else key.nulls_first
        # With reverse=True the null rank flips, so pick it to land nulls where asked.
        null_rank = -1 if nulls_first == key.ascending else 1

        def sort_key(
            rec: Record, get: Getter = get, null_rank: int = null_rank, fold: bool = fold
        ) -> tuple[int, object]:
            v = get(rec)
            if v is None:
                return (null_rank, 0)
            return (0, v.casefold() if fold and isinstance(v, str) else v)

        rows.sort(key=sort_key, reverse=not key.ascending)


def execute(store: Store, query: Query, *, include_deleted: bool) -> tuple[ObjectDef, list[Record]]:
    """The records a query selects, filtered, ordered, offset and limited."""
    if query.sobject.lower() not in {n.lower() for n in store.objects}:
        raise SalesforceApiError(
            400,
            "INVALID_TYPE",
            f"\n{query.text}\n^\nERROR at Row:1:Column:1\nsObject type '{query.sobject}' is not "
            "supported. If you are attempting to use a custom object, be sure to append the "
            "'__c' after the entity name.",
        )
    obj = store.sobject(query.sobject)
    for parts in query.fields:
        resolve(store, obj, parts)
    pred = compile_condition(store, obj, query.where) if query.where is not None else None
    with store.lock:
        rows = [
            rec
            for rec in store.records[obj.name].values()
            if (include_deleted or not rec["IsDeleted"]) and (pred is None or pred(rec))
        ]
        _sort(store, obj, query, rows)
    end = None if query.limit is None else query.offset + query.limit
    return obj, rows[query.offset : end]
