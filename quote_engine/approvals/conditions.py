"""Approval-rule conditions: the pricing condition language over the fields of an ApprovalSubject.

The tree shapes (``{field, op, value}``, ``all``, ``any``, ``not``), node types and the compiler
of scalar comparisons are shared with the pricing rules (``quote_engine.pricing.conditions``);
this module adds the approval field table, boolean fields, set-valued fields (``skus``,
``categories``: ``contains`` / ``in`` = any of / ``not_in`` = none of) and null-safe ordering
(a missing ``margin_pct`` never satisfies ``lt``). Nothing is ever ``eval``'d.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from enum import StrEnum

from quote_engine.pricing.conditions import (
    AllOf,
    AnyOf,
    Compare,
    ConditionSyntaxError,
    Facts,
    Node,
    NotOf,
    Predicate,
    compile_condition,
)


class ApprovalFieldType(StrEnum):
    """Value type of an approval condition field."""

    TEXT = "text"
    INTEGER = "integer"
    DECIMAL = "decimal"
    BOOLEAN = "boolean"
    TEXT_SET = "text_set"


T = ApprovalFieldType
APPROVAL_FIELDS: dict[str, ApprovalFieldType] = {
    "kind": T.TEXT,
    "currency": T.TEXT,
    "total": T.DECIMAL,
    "list_total": T.DECIMAL,
    "max_line_discount_pct": T.DECIMAL,
    "margin_pct": T.DECIMAL,
    "partner_id": T.TEXT,
    "tier": T.TEXT,
    "program": T.TEXT,
    "distributor_id": T.TEXT,
    "skus": T.TEXT_SET,
    "categories": T.TEXT_SET,
    "customer_country": T.TEXT,
    "buyer_spending_limit": T.DECIMAL,
    "over_buyer_limit": T.BOOLEAN,
    "floor_breached_lines": T.INTEGER,
    "line_count": T.INTEGER,
    "deal_registered": T.BOOLEAN,
}
ATTR_PREFIX = "attr."

_ALIASES = {"==": "eq", "!=": "ne", "<": "lt", "<=": "le", ">": "gt", ">=": "ge"}
_ORDER_OPS = frozenset({"lt", "le", "gt", "ge", "between"})
_OPS_BY_TYPE: dict[ApprovalFieldType, frozenset[str]] = {
    T.TEXT: frozenset({"eq", "ne", "in", "not_in"}),
    T.INTEGER: frozenset({"eq", "ne", "in", "not_in"}) | _ORDER_OPS,
    T.DECIMAL: frozenset({"eq", "ne"}) | _ORDER_OPS,
    T.BOOLEAN: frozenset({"eq", "ne"}),
    T.TEXT_SET: frozenset({"contains", "in", "not_in"}),
}


def field_type(name: str) -> ApprovalFieldType | None:
    """The type of condition field ``name`` (``attr.*`` fields are text), or None if unknown."""
    if name.startswith(ATTR_PREFIX) and len(name) > len(ATTR_PREFIX):
        return T.TEXT
    return APPROVAL_FIELDS.get(name)


def _convert(ftype: ApprovalFieldType, raw: object, path: str) -> object:
    if ftype is T.BOOLEAN:
        if isinstance(raw, bool):
            return raw
        raise ConditionSyntaxError(path, f"{raw!r} is not true or false")
    if isinstance(raw, bool) or raw is None or isinstance(raw, list | dict):
        raise ConditionSyntaxError(path, f"{raw!r} is not a {ftype.value} value")
    if ftype in (T.TEXT, T.TEXT_SET):
        return str(raw)
    if ftype is T.INTEGER:
        if isinstance(raw, int):
            return raw
        if isinstance(raw, str) and raw.strip().lstrip("-").isdigit():
            return int(raw)
        raise ConditionSyntaxError(path, f"{raw!r} is not an integer")
    try:
        value = Decimal(str(raw))
    except InvalidOperation:
        raise ConditionSyntaxError(path, f"{raw!r} is not a decimal number") from None
    if not value.is_finite():
        raise ConditionSyntaxError(path, f"{raw!r} is not a finite number")
    return value


def parse_approval_condition(raw: object, path: str = "when") -> Node:
    """Parse and type-check a condition over approval fields; ConditionSyntaxError names the path."""
    if not isinstance(raw, dict):
        raise ConditionSyntaxError(path, "a condition must be a mapping")
    keys = set(raw)
    for combinator in ("all", "any"):
        if keys == {combinator}:
            items = raw[combinator]
            if not isinstance(items, list) or not items:
                raise ConditionSyntaxError(path, f"'{combinator}' needs a non-empty list")
            children = tuple(
                parse_approval_condition(c, f"{path}.{combinator}[{i}]")
                for i, c in enumerate(items)
            )
            return AllOf(children) if combinator == "all" else AnyOf(children)
    if keys == {"not"}:
        return NotOf(parse_approval_condition(raw["not"], f"{path}.not"))
    if keys != {"field", "op", "value"}:
        raise ConditionSyntaxError(
            path,
            f"expected keys field/op/value or one of all/any/not, got {sorted(map(str, keys))}",
        )
    name = str(raw["field"])
    ftype = field_type(name)
    if ftype is None:
        known = ", ".join([*sorted(APPROVAL_FIELDS), f"{ATTR_PREFIX}<name>"])
        raise ConditionSyntaxError(path, f"unknown field {name!r}; known fields: {known}")
    op = _ALIASES.get(str(raw["op"]), str(raw["op"]))
    allowed = _OPS_BY_TYPE[ftype]
    if op not in allowed:
        raise ConditionSyntaxError(
            path,
            f"operator {raw['op']!r} is not allowed on {ftype.value} field {name!r}; "
            f"use one of {', '.join(sorted(allowed))}",
        )
    value, vpath = raw["value"], f"{path}.value"
    if op in ("in", "not_in"):
        if not isinstance(value, list) or not value:
            raise ConditionSyntaxError(vpath, f"'{op}' needs a non-empty list")
        return Compare(name, op, frozenset(_convert(ftype, v, vpath) for v in value))
    if op == "between":
        if not isinstance(value, list) or len(value) != 2:
            raise ConditionSyntaxError(vpath, "'between' needs a list [low, high]")
        low, high = (_convert(ftype, v, vpath) for v in value)
        if high < low:  # type: ignore[operator]
            raise ConditionSyntaxError(vpath, "'between' low is greater than high")
        return Compare(name, op, (low, high))
    return Compare(name, op, _convert(ftype, value, vpath))


def _compile_leaf(node: Compare) -> Predicate:
    name, value = node.field, node.value
    if field_type(name) is T.TEXT_SET:
        assert isinstance(value, str | frozenset)
        if node.op == "contains":
            return lambda facts: value in _as_set(facts, name)
        if node.op == "in":
            return lambda facts: not _as_set(facts, name).isdisjoint(value)
        return lambda facts: _as_set(facts, name).isdisjoint(value)
    scalar = compile_condition(node)  # the shared pricing compiler for scalar comparisons
    if node.op in _ORDER_OPS:
        return lambda facts: facts.get(name) is not None and scalar(facts)
    return scalar


def _as_set(facts: Facts, name: str) -> frozenset[object]:
    value = facts.get(name)
    return value if isinstance(value, frozenset) else frozenset()


def compile_approval_condition(node: Node) -> Predicate:
    """Turn a parsed approval condition into a predicate over ``ApprovalSubject.facts()``."""
    if isinstance(node, Compare):
        return _compile_leaf(node)
    if isinstance(node, NotOf):
        inner = compile_approval_condition(node.child)
        return lambda facts: not inner(facts)
    preds = tuple(compile_approval_condition(c) for c in node.children)
    if isinstance(node, AllOf):
        return lambda facts: all(p(facts) for p in preds)
    return lambda facts: any(p(facts) for p in preds)


def referenced_fields(node: Node) -> set[str]:
    """Every field name a condition tests."""
    if isinstance(node, Compare):
        return {node.field}
    if isinstance(node, NotOf):
        return referenced_fields(node.child)
    return set().union(*(referenced_fields(c) for c in node.children))
