"""The pricing side of the condition language: the pricing field table and rule-index helpers.

The language itself (syntax, type checks, compiler) is ``quote_engine.conditions``, shared with
the approval rules; pricing rules use it over PRICING_FIELDS. The helpers below split a rule's
condition into what is tested once per cart and once per line, and find its indexable keys.
"""

from __future__ import annotations

from collections.abc import Collection

from quote_engine.conditions import AllOf, Compare, FieldType, Node, fields_of

PRICING_FIELDS: dict[str, FieldType] = {
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
FIELDS = PRICING_FIELDS
"""Former name of PRICING_FIELDS, kept for the public ``quote_engine.pricing`` API."""

LINE_PREFIXES = ("product.", "line.")


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
