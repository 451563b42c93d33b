"""WHERE conditions as predicates over records, refusing what Salesforce refuses.

Literals must match the field's type (INVALID_FIELD), operators the field's kind
(INVALID_QUERY_FILTER_OPERATOR: no ``<`` on booleans, no LIKE on numbers, dates or ids) and long
text areas cannot be filtered at all (INVALID_FIELD), as in a real org.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime, time
from decimal import Decimal

from crm_sandbox.salesforce import ids
from crm_sandbox.salesforce.errors import SalesforceApiError, query_error
from crm_sandbox.salesforce.schema import NUMBER_TYPES, FieldDef, ObjectDef
from crm_sandbox.salesforce.soql_ast import (
    BoolOp,
    Compare,
    Condition,
    DateRange,
    InList,
    Like,
    LiteralOrRange,
    Not,
)
from crm_sandbox.salesforce.soql_paths import Path, Predicate, resolve
from crm_sandbox.salesforce.store import Record, Store
from crm_sandbox.salesforce.values import Value

Coerced = Value | tuple[Value, Value]
_ORDERING = frozenset({"<", "<=", ">", ">="})
#: Field types whose literals are written without quotes.
_UNQUOTED = frozenset({"boolean", "date", "datetime", *NUMBER_TYPES})


class _Ctx:
    """The query text, for errors whose caret points at a condition."""

    def __init__(self, text: str) -> None:
        self.text = text

    def error(self, code: str, pos: int, message: str, fd: FieldDef) -> SalesforceApiError:
        return query_error(code, self.text, pos, message, [fd.name])

    def type_error(self, fd: FieldDef, pos: int, want: str) -> SalesforceApiError:
        return self.error(
            "INVALID_FIELD",
            pos,
            f"value of filter criterion for field '{fd.name}' must be of type {want} and should "
            "not be enclosed in quotes",
            fd,
        )


def _type_name(fd: FieldDef) -> str:
    if fd.type in NUMBER_TYPES:
        return "integer" if fd.type == "int" else "double"
    return {"datetime": "dateTime"}.get(fd.type, fd.type)


def _coerce(ctx: _Ctx, fd: FieldDef, value: LiteralOrRange, pos: int) -> Coerced:
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
        raise ctx.type_error(fd, pos, _type_name(fd))
    ok = {
        "boolean": isinstance(value, bool),
        "datetime": isinstance(value, datetime),
        "date": isinstance(value, date) and not isinstance(value, datetime),
    }.get(t, isinstance(value, Decimal) if t in NUMBER_TYPES else isinstance(value, str))
    if not ok:
        if t in _UNQUOTED:
            raise ctx.type_error(fd, pos, _type_name(fd))
        raise ctx.error(
            "INVALID_FIELD",
            pos,
            f"value of filter criterion for field '{fd.name}' must be of type string and "
            "should be enclosed in quotes",
            fd,
        )
    if isinstance(value, str):
        if t in ("id", "reference"):
            return ids.normalize(value) or value
        return value.casefold()
    return value


def _compare(path: Path, op: str, literal: Coerced) -> Predicate:
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


def _like_regex(pattern: str) -> re.Pattern[str]:
    """``%`` any run, ``_`` any character, ``\\%`` / ``\\_`` themselves; case-insensitive."""
    out: list[str] = []
    escaped = False
    for ch in pattern:
        if escaped:
            out.append(re.escape(ch))
            escaped = False
        elif ch == "\\":
            escaped = True
        else:
            out.append(".*" if ch == "%" else "." if ch == "_" else re.escape(ch))
    return re.compile("".join(out), re.IGNORECASE | re.DOTALL)


def _filter_path(ctx: _Ctx, store: Store, obj: ObjectDef, cond: Compare | InList | Like) -> Path:
    path = resolve(store, obj, cond.path, (ctx.text, cond.pos))
    fd = path.field
    if not fd.filterable:
        raise ctx.error(
            "INVALID_FIELD", cond.pos, f"field '{fd.name}' can not be filtered in a query call", fd
        )
    bad_op = (isinstance(cond, Compare) and cond.op in _ORDERING and fd.type == "boolean") or (
        isinstance(cond, Like) and not fd.is_string
    )
    if bad_op:
        raise ctx.error(
            "INVALID_QUERY_FILTER_OPERATOR", cond.pos, f"invalid operator on {fd.type} field", fd
        )
    return path


def _compile(ctx: _Ctx, store: Store, obj: ObjectDef, cond: Condition) -> Predicate:
    if isinstance(cond, BoolOp):
        preds = [_compile(ctx, store, obj, c) for c in cond.items]
        if cond.op == "AND":
            return lambda rec: all(p(rec) for p in preds)
        return lambda rec: any(p(rec) for p in preds)
    if isinstance(cond, Not):
        inner = _compile(ctx, store, obj, cond.item)
        return lambda rec: not inner(rec)
    path = _filter_path(ctx, store, obj, cond)
    if isinstance(cond, Compare):
        return _compare(path, cond.op, _coerce(ctx, path.field, cond.value, cond.pos))
    if isinstance(cond, Like):
        pattern = _like_regex(cond.pattern)
        get = path.getter
        return lambda rec: isinstance(v := get(rec), str) and pattern.fullmatch(v) is not None
    preds = [_compare(path, "=", _coerce(ctx, path.field, v, cond.pos)) for v in cond.values]
    if cond.negate:
        return lambda rec: not any(p(rec) for p in preds)
    return lambda rec: any(p(rec) for p in preds)


def compile_condition(store: Store, obj: ObjectDef, cond: Condition, text: str = "") -> Predicate:
    """A predicate over records for a WHERE condition of the query ``text``."""
    return _compile(_Ctx(text), store, obj, cond)
