"""The small declarative condition language of pricing rules: parsed, type-checked, compiled.

A condition is a mapping, one of:
  {field: <name>, op: <operator>, value: <value>}
  {all: [<condition>, ...]}   {any: [<condition>, ...]}   {not: <condition>}
Fields are the fixed names in FIELDS; values are checked against the field's type at load time,
and the tree is compiled to plain Python closures. Nothing is ever `eval`'d.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from enum import StrEnum

Facts = Mapping[str, object]
Predicate = Callable[[Facts], bool]


class FieldType(StrEnum):
    """Value type of a condition field."""

    TEXT = "text"
    INTEGER = "integer"
    DECIMAL = "decimal"
    DATE = "date"


FIELDS: dict[str, FieldType] = {
    "partner.id": FieldType.TEXT,
    "partner.program": FieldType.TEXT,
    "partner.tier": FieldType.TEXT,
    "partner.country": FieldType.TEXT,
    "partner.distributor": FieldType.TEXT,
    "customer.id": FieldType.TEXT,
    "customer.country": FieldType.TEXT,
    "customer.segment": FieldType.TEXT,
    "product.sku": FieldType.TEXT,
    "product.category": FieldType.TEXT,
    "product.group": FieldType.TEXT,
    "product.kind": FieldType.TEXT,
    "product.term_months": FieldType.INTEGER,
    "line.quantity": FieldType.INTEGER,
    "line.unit_price": FieldType.DECIMAL,
    "line.amount": FieldType.DECIMAL,
    "line.list_amount": FieldType.DECIMAL,
    "cart.list_amount": FieldType.DECIMAL,
    "cart.lines": FieldType.INTEGER,
    "deal.id": FieldType.TEXT,
    "deal.stage": FieldType.TEXT,
    "deal.registration_status": FieldType.TEXT,
    "quote.currency": FieldType.TEXT,
    "quote.date": FieldType.DATE,
}

# Operators and their aliases; ordering operators are refused on text fields.
_ALIASES = {"==": "eq", "!=": "ne", "<": "lt", "<=": "le", ">": "gt", ">=": "ge"}
_SCALAR_OPS = {"eq", "ne", "lt", "le", "gt", "ge"}
_LIST_OPS = {"in", "not_in"}
_ORDER_OPS = {"lt", "le", "gt", "ge", "between"}


class ConditionSyntaxError(ValueError):
    """A condition is malformed; `path` says where inside the rule's `when`."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Compare:
    """A leaf: `field op value` (value already converted to the field's type)."""

    field: str
    op: str
    value: object


@dataclass(frozen=True, slots=True)
class AllOf:
    """True when every child is true."""

    children: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class AnyOf:
    """True when at least one child is true."""

    children: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class NotOf:
    """Negation of its child."""

    child: Node


Node = Compare | AllOf | AnyOf | NotOf


def _convert(ftype: FieldType, raw: object, path: str) -> object:
    if isinstance(raw, bool) or raw is None or isinstance(raw, list | dict):
        raise ConditionSyntaxError(path, f"{raw!r} is not a {ftype.value} value")
    if ftype is FieldType.TEXT:
        return str(raw)
    if ftype is FieldType.INTEGER:
        if isinstance(raw, int):
            return raw
        if isinstance(raw, str) and raw.strip().lstrip("-").isdigit():
            return int(raw)
        raise ConditionSyntaxError(path, f"{raw!r} is not an integer")
    if ftype is FieldType.DECIMAL:
        try:
            value = Decimal(str(raw))
        except InvalidOperation:
            raise ConditionSyntaxError(path, f"{raw!r} is not a decimal number") from None
        if not value.is_finite():
            raise ConditionSyntaxError(path, f"{raw!r} is not a finite number")
        return value
    if isinstance(raw, date):
        return raw
    try:
        return date.fromisoformat(str(raw))
    except ValueError:
        raise ConditionSyntaxError(path, f"{raw!r} is not an ISO date (YYYY-MM-DD)") from None


def parse_condition(raw: object, path: str = "when") -> Node:
    """Parse and type-check a raw condition mapping; raise ConditionSyntaxError with its path."""
    if not isinstance(raw, dict):
        raise ConditionSyntaxError(path, "a condition must be a mapping")
    keys = set(raw)
    for combinator in ("all", "any"):
        if keys == {combinator}:
            items = raw[combinator]
            if not isinstance(items, list) or not items:
                raise ConditionSyntaxError(path, f"'{combinator}' needs a non-empty list")
            children = tuple(
                parse_condition(c, f"{path}.{combinator}[{i}]") for i, c in enumerate(items)
            )
            return AllOf(children) if combinator == "all" else AnyOf(children)
    if keys == {"not"}:
        return NotOf(parse_condition(raw["not"], f"{path}.not"))
    if keys != {"field", "op", "value"}:
        raise ConditionSyntaxError(
            path,
            f"expected keys field/op/value or one of all/any/not, got {sorted(map(str, keys))}",
        )
    name, op, value = raw["field"], raw["op"], raw["value"]
    ftype = FIELDS.get(str(name))
    if ftype is None:
        raise ConditionSyntaxError(
            path, f"unknown field {name!r}; known fields: {', '.join(sorted(FIELDS))}"
        )
    op = _ALIASES.get(str(op), str(op))
    if op not in _SCALAR_OPS | _LIST_OPS | {"between"}:
        raise ConditionSyntaxError(path, f"unknown operator {raw['op']!r}")
    if op in _ORDER_OPS and ftype is FieldType.TEXT:
        raise ConditionSyntaxError(path, f"operator {op!r} cannot compare text field {name!r}")
    vpath = f"{path}.value"
    if op in _LIST_OPS:
        if not isinstance(value, list) or not value:
            raise ConditionSyntaxError(vpath, f"'{op}' needs a non-empty list")
        return Compare(str(name), op, frozenset(_convert(ftype, v, vpath) for v in value))
    if op == "between":
        if not isinstance(value, list) or len(value) != 2:
            raise ConditionSyntaxError(vpath, "'between' needs a list [low, high]")
        low, high = (_convert(ftype, v, vpath) for v in value)
        if _lt(high, low):
            raise ConditionSyntaxError(vpath, "'between' low is greater than high")
        return Compare(str(name), op, (low, high))
    return Compare(str(name), op, _convert(ftype, value, vpath))


def _lt(a: object, b: object) -> bool:
    return bool(a < b)  # type: ignore[operator]  # values are type-checked at parse time


def _le(a: object, b: object) -> bool:
    return bool(a <= b)  # type: ignore[operator]


def _gt(a: object, b: object) -> bool:
    return bool(a > b)  # type: ignore[operator]


def _ge(a: object, b: object) -> bool:
    return bool(a >= b)  # type: ignore[operator]


_ORDERING: dict[str, Callable[[object, object], bool]] = {
    "lt": _lt,
    "le": _le,
    "gt": _gt,
    "ge": _ge,
}


def _compile_compare(node: Compare) -> Predicate:
    f, v, op = node.field, node.value, node.op
    if op == "eq":
        return lambda facts: facts[f] == v
    if op == "ne":
        return lambda facts: facts[f] != v
    if op in _LIST_OPS:
        assert isinstance(v, frozenset)
        members: frozenset[object] = v
        if op == "in":
            return lambda facts: facts[f] in members
        return lambda facts: facts[f] not in members
    if op == "between":
        assert isinstance(v, tuple)
        low, high = v
        return lambda facts: _le(low, facts[f]) and _le(facts[f], high)
    # Direct operators (not _ORDERING) because this is the per-line hot path.
    if op == "ge":
        return lambda facts: facts[f] >= v  # type: ignore[operator]
    if op == "gt":
        return lambda facts: facts[f] > v  # type: ignore[operator]
    if op == "le":
        return lambda facts: facts[f] <= v  # type: ignore[operator]
    compare = _ORDERING[op]
    return lambda facts: compare(facts[f], v)


def compile_condition(node: Node) -> Predicate:
    """Turn a parsed condition into a predicate over a facts mapping (keys = FIELDS)."""
    if isinstance(node, Compare):
        return _compile_compare(node)
    if isinstance(node, NotOf):
        inner = compile_condition(node.child)
        return lambda facts: not inner(facts)
    preds = [compile_condition(c) for c in node.children]
    if isinstance(node, AllOf):
        return conjunction(preds)
    if len(preds) == 2:
        a, b = preds
        return lambda facts: a(facts) or b(facts)
    return lambda facts: any(p(facts) for p in preds)


def conjunction(preds: list[Predicate]) -> Predicate:
    """AND of predicates, unrolled for the common short cases (this is the hot path)."""
    if len(preds) == 1:
        return preds[0]
    if len(preds) == 2:
        a, b = preds
        return lambda facts: a(facts) and b(facts)
    if len(preds) == 3:
        a, b, c = preds
        return lambda facts: a(facts) and b(facts) and c(facts)
    every = tuple(preds)
    return lambda facts: all(p(facts) for p in every)


LINE_PREFIXES = ("product.", "line.")


def fields_of(node: Node) -> set[str]:
    """Every field a condition tests."""
    if isinstance(node, Compare):
        return {node.field}
    if isinstance(node, NotOf):
        return fields_of(node.child)
    return set().union(*(fields_of(c) for c in node.children))


def split_condition(node: Node | None, indexed: Collection[str]) -> tuple[list[Node], list[Node]]:
    """Split top-level conjuncts into (request-level, line-level) parts.

    Request-level parts test only fields that are the same for every line of a cart, so they
    are evaluated once per cart. `eq`/`in` tests on `indexed` fields are dropped: the index
    lookups already guarantee them.
    """
    if node is None:
        return [], []
    request: list[Node] = []
    line: list[Node] = []
    for part in node.children if isinstance(node, AllOf) else (node,):
        if isinstance(part, Compare) and part.field in indexed and part.op in ("eq", "in"):
            continue
        if any(f.startswith(LINE_PREFIXES) for f in fields_of(part)):
            line.append(part)
        else:
            request.append(part)
    return request, line


def equality_keys(node: Node | None) -> dict[str, frozenset[object]]:
    """Fields this condition requires to equal one of a set of values (for rule indexing).

    Only top-level conjuncts count: `field eq v` gives {v}, `field in [..]` gives the set.
    """
    if node is None:
        return {}
    leaves = node.children if isinstance(node, AllOf) else (node,)
    keys: dict[str, frozenset[object]] = {}
    for leaf in leaves:
        if isinstance(leaf, Compare) and leaf.op in ("eq", "in"):
            values = leaf.value if leaf.op == "in" else frozenset([leaf.value])
            assert isinstance(values, frozenset)
            previous = keys.get(leaf.field)
            keys[leaf.field] = values if previous is None else previous & values
    return keys


def cart_level_fields(node: Node | None) -> set[str]:
    """Fields a condition tests that are the same for every line of a cart."""
    if node is None:
        return set()
    return {f for f in fields_of(node) if not f.startswith(LINE_PREFIXES)}
