"""The one declarative condition language of pricing rules and approval rules: parse, check, compile.

A condition is a mapping, one of:
  {field: <name>, op: <operator>, value: <value>}
  {all: [<condition>, ...]}   {any: [<condition>, ...]}   {not: <condition>}
Which field names exist, and their types, is the caller's field table (pricing:
``quote_engine.pricing.conditions.PRICING_FIELDS``; approvals:
``quote_engine.approvals.fields.APPROVAL_FIELDS``). Values are checked against the field's type at
load time and the tree is compiled to plain Python closures. Nothing is ever ``eval``'d.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator, Mapping
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
    BOOLEAN = "boolean"
    TEXT_SET = "text_set"
    """A set of texts: ``contains`` one value, ``in`` = any of, ``not_in`` = none of."""


class FieldTable(Mapping[str, FieldType]):
    """A field table with extras a plain mapping lacks.

    ``prefixes``: open-ended families of fields (``{"attr.": TEXT}`` accepts ``attr.<name>``);
    ``optional``: fields whose value may be missing or None (an ordering test on them is false).
    """

    __slots__ = ("_fields", "optional", "prefixes")

    def __init__(
        self,
        fields: Mapping[str, FieldType],
        *,
        prefixes: Mapping[str, FieldType] | None = None,
        optional: Collection[str] = (),
    ) -> None:
        """Build a table from fixed names, name prefixes and the names that may be None."""
        self._fields = dict(fields)
        self.prefixes: dict[str, FieldType] = dict(prefixes or {})
        self.optional = frozenset(optional)

    def __getitem__(self, name: str) -> FieldType:
        found = self._fields.get(name)
        if found is not None:
            return found
        for prefix, ftype in self.prefixes.items():
            if name.startswith(prefix) and len(name) > len(prefix):
                return ftype
        raise KeyError(name)

    def __iter__(self) -> Iterator[str]:
        return iter(self._fields)

    def __len__(self) -> int:
        return len(self._fields)


_ALIASES = {"==": "eq", "!=": "ne", "<": "lt", "<=": "le", ">": "gt", ">=": "ge"}
_EQUALITY = frozenset({"eq", "ne", "in", "not_in"})
_ORDER_OPS = frozenset({"lt", "le", "gt", "ge", "between"})
_LIST_OPS = frozenset({"in", "not_in"})
OPERATORS: dict[FieldType, frozenset[str]] = {
    FieldType.TEXT: _EQUALITY,
    FieldType.INTEGER: _EQUALITY | _ORDER_OPS,
    FieldType.DECIMAL: _EQUALITY | _ORDER_OPS,
    FieldType.DATE: _EQUALITY | _ORDER_OPS,
    FieldType.BOOLEAN: frozenset({"eq", "ne"}),
    FieldType.TEXT_SET: frozenset({"contains", "in", "not_in"}),
}
_ALL_OPERATORS = frozenset().union(*OPERATORS.values())


class ConditionSyntaxError(ValueError):
    """A condition is malformed; `path` says where inside the rule's `when`."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Compare:
    """A leaf: `field op value` (value already converted to the field's type ``ftype``)."""

    field: str
    op: str
    value: object
    ftype: FieldType = FieldType.TEXT
    optional: bool = False
    """The field may be missing or None in the facts: ordering tests on it are then false."""


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
    if ftype is FieldType.BOOLEAN:
        if isinstance(raw, bool):
            return raw
        raise ConditionSyntaxError(path, f"{raw!r} is not true or false")
    if isinstance(raw, bool) or raw is None or isinstance(raw, list | dict):
        raise ConditionSyntaxError(path, f"{raw!r} is not a {ftype.value} value")
    if ftype in (FieldType.TEXT, FieldType.TEXT_SET):
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


def known_fields(fields: Mapping[str, FieldType]) -> list[str]:
    """The field names of a table as shown to users (``attr.<name>`` for a prefix family)."""
    families = fields.prefixes if isinstance(fields, FieldTable) else {}
    return [*sorted(fields), *(f"{prefix}<name>" for prefix in families)]


def _operator_problem(raw_op: object, op: str, ftype: FieldType, name: str) -> str | None:
    allowed = OPERATORS[ftype]
    if op in allowed:
        return None
    use = f"use one of {', '.join(sorted(allowed))}"
    if op not in _ALL_OPERATORS:
        return f"unknown operator {raw_op!r}; on {ftype.value} field {name!r} {use}"
    why = ""
    if ftype is FieldType.TEXT and op in _ORDER_OPS:
        why = " (ordering operators cannot compare text field values)"
    return f"operator {raw_op!r} is not allowed on {ftype.value} field {name!r}{why}; {use}"


def parse_condition(raw: object, path: str = "when", *, fields: Mapping[str, FieldType]) -> Node:
    """Parse and type-check a raw condition over the field table ``fields``.

    Raises ConditionSyntaxError naming the path inside the condition, what is wrong and the fix.
    """
    if not isinstance(raw, dict):
        raise ConditionSyntaxError(path, "a condition must be a mapping")
    keys = set(raw)
    for combinator in ("all", "any"):
        if keys == {combinator}:
            items = raw[combinator]
            if not isinstance(items, list) or not items:
                raise ConditionSyntaxError(path, f"'{combinator}' needs a non-empty list")
            children = tuple(
                parse_condition(c, f"{path}.{combinator}[{i}]", fields=fields)
                for i, c in enumerate(items)
            )
            return AllOf(children) if combinator == "all" else AnyOf(children)
    if keys == {"not"}:
        return NotOf(parse_condition(raw["not"], f"{path}.not", fields=fields))
    if keys != {"field", "op", "value"}:
        raise ConditionSyntaxError(
            path,
            f"expected keys field/op/value or one of all/any/not, got {sorted(map(str, keys))}",
        )
    name = str(raw["field"])
    ftype = fields.get(name)
    if ftype is None:
        known = ", ".join(known_fields(fields))
        raise ConditionSyntaxError(path, f"unknown field {name!r}; known fields: {known}")
    op = _ALIASES.get(str(raw["op"]), str(raw["op"]))
    problem = _operator_problem(raw["op"], op, ftype, name)
    if problem is not None:
        raise ConditionSyntaxError(path, problem)
    optional = isinstance(fields, FieldTable) and name in fields.optional
    value, vpath = raw["value"], f"{path}.value"
    if op in _LIST_OPS:
        if not isinstance(value, list) or not value:
            raise ConditionSyntaxError(vpath, f"'{op}' needs a non-empty list")
        members = frozenset(_convert(ftype, v, vpath) for v in value)
        return Compare(name, op, members, ftype, optional)
    if op == "between":
        if not isinstance(value, list) or len(value) != 2:
            raise ConditionSyntaxError(vpath, "'between' needs a list [low, high]")
        low, high = (_convert(ftype, v, vpath) for v in value)
        if _lt(high, low):
            raise ConditionSyntaxError(vpath, "'between' low is greater than high")
        return Compare(name, op, (low, high), ftype, optional)
    return Compare(name, op, _convert(ftype, value, vpath), ftype, optional)


def _lt(a: object, b: object) -> bool:
    return bool(a < b)  # type: ignore[operator]  # values are type-checked at parse time


def _le(a: object, b: object) -> bool:
    return bool(a <= b)  # type: ignore[operator]


def _compile_set(node: Compare) -> Predicate:
    name, value = node.field, node.value

    def members(facts: Facts) -> frozenset[object]:
        found = facts.get(name)
        return found if isinstance(found, frozenset) else frozenset()

    if node.op == "contains":
        return lambda facts: value in members(facts)
    assert isinstance(value, frozenset)
    if node.op == "in":
        return lambda facts: not members(facts).isdisjoint(value)
    return lambda facts: members(facts).isdisjoint(value)


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
    # Direct operators because this is the per-line hot path of pricing.
    if op == "ge":
        return lambda facts: facts[f] >= v  # type: ignore[operator]
    if op == "gt":
        return lambda facts: facts[f] > v  # type: ignore[operator]
    if op == "le":
        return lambda facts: facts[f] <= v  # type: ignore[operator]
    return lambda facts: facts[f] < v  # type: ignore[operator]


def compile_condition(node: Node) -> Predicate:
    """Turn a parsed condition into a predicate over a facts mapping (keys = the field table's)."""
    if isinstance(node, Compare):
        if node.ftype is FieldType.TEXT_SET:
            return _compile_set(node)
        scalar = _compile_compare(node)
        if node.optional and node.op in _ORDER_OPS:
            name = node.field
            return lambda facts: facts.get(name) is not None and scalar(facts)
        return scalar
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


def fields_of(node: Node) -> set[str]:
    """Every field a condition tests."""
    if isinstance(node, Compare):
        return {node.field}
    if isinstance(node, NotOf):
        return fields_of(node.child)
    return set().union(*(fields_of(c) for c in node.children))
