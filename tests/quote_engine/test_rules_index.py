"""The indexed, per-cart-memoized RuleSet picks exactly the rules a plain scan would."""

from __future__ import annotations

from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from quote_engine.conditions import compile_condition
from quote_engine.pricing import PricingRule, RuleSet
from quote_engine.types import PricingRequest
from tests.quote_engine.conftest import make_request, price

SKUS = ["A", "B", "C"]
TEXT_FIELDS = {
    "product.sku": SKUS,
    "product.category": ["hw", "sw"],
    "product.group": ["g1", "g2"],
    "partner.tier": ["gold", "silver"],
    "partner.id": ["P1", "P2"],
    "customer.country": ["US", "DE"],
}


@st.composite
def conditions(draw: st.DrawFn) -> dict[str, object]:
    parts: list[dict[str, object]] = []
    for _ in range(draw(st.integers(1, 3))):
        if draw(st.integers(0, 4)) == 0:
            parts.append({"field": "line.quantity", "op": ">=", "value": draw(st.integers(1, 20))})
            continue
        field = draw(st.sampled_from(sorted(TEXT_FIELDS)))
        values = TEXT_FIELDS[field]
        if draw(st.booleans()):
            parts.append({"field": field, "op": "eq", "value": draw(st.sampled_from(values))})
        else:
            chosen = draw(st.lists(st.sampled_from(values), min_size=1, max_size=2, unique=True))
            parts.append({"field": field, "op": "in", "value": chosen})
    if draw(st.integers(0, 3)) == 0:
        return {"any": parts}
    return {"all": parts}


@st.composite
def rule_sets(draw: st.DrawFn) -> list[PricingRule]:
    rules = []
    for i in range(draw(st.integers(1, 25))):
        raw: dict[str, object] = {
            "name": f"r{i}",
            "priority": draw(st.integers(0, 3)),
            "stacking": draw(st.sampled_from(["additive", "exclusive"])),
            "action": {"percent_off": str(draw(st.integers(1, 5)))},
        }
        if draw(st.integers(0, 4)):
            raw["when"] = draw(conditions())
        if draw(st.integers(0, 5)) == 0:
            raw["valid_to"] = "2026-11-26"
        rules.append(PricingRule.model_validate(raw))
    return rules


def reference(rules: list[PricingRule], facts: dict[str, object], today: date) -> list[str]:
    """Plain scan: rank order, full condition, then the stacking policy."""
    ranked = sorted(enumerate(rules), key=lambda p: (-p[1].priority, p[0]))
    chosen: list[str] = []
    for _, rule in ranked:
        if rule.valid_to is not None and today > rule.valid_to:
            continue
        if rule.condition is not None and not compile_condition(rule.condition)(facts):
            continue
        if rule.stacking.value == "exclusive":
            if not chosen:
                return [rule.name]
            continue
        chosen.append(rule.name)
    return chosen


def cart(partner: str, tier: str, country: str) -> PricingRequest:
    products = [
        {"sku": "A", "category": "hw", "product_group": "g1", "list_prices": {"USD": "100.00"}},
        {"sku": "B", "category": "sw", "product_group": "g1", "list_prices": {"USD": "100.00"}},
        {"sku": "C", "category": "sw", "product_group": "g2", "list_prices": {"USD": "100.00"}},
    ]
    lines = [{"sku": s, "quantity": q} for s, q in (("A", 1), ("B", 10), ("C", 25), ("A", 7))]
    return make_request(
        lines,
        products,
        partner={"partner_id": partner, "tier": tier, "end_customer_country": country},
    )


@settings(max_examples=80, deadline=None)
@given(
    rule_sets(),
    st.lists(
        st.tuples(
            st.sampled_from(["P1", "P2"]),
            st.sampled_from(["gold", "silver"]),
            st.sampled_from(["US", "DE"]),
        ),
        min_size=1,
        max_size=4,
    ),
)
def test_index_matches_a_plain_scan(
    rules: list[PricingRule], carts: list[tuple[str, str, str]]
) -> None:
    ruleset = RuleSet(rules)  # one rule set for several carts exercises the per-cart memo
    today = date(2026, 11, 27)
    for partner, tier, country in carts:
        request = cart(partner, tier, country)
        result = price(request, ruleset, today)
        for line, priced in zip(request.lines, result.lines, strict=True):
            product = request.catalog.product(line.sku)
            assert product is not None
            facts: dict[str, object] = {
                "product.sku": product.sku,
                "product.category": product.category,
                "product.group": product.product_group,
                "partner.tier": tier,
                "partner.id": partner,
                "customer.country": country,
                "line.quantity": line.quantity,
            }
            applied = [s.rule for s in priced.trace if s.step.value == "promotion_rule"]
            assert applied == reference(rules, facts, today)
