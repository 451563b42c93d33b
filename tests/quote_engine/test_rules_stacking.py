"""Waterfall step 5: promotion rules, conditions on any field, priority and stacking."""

from __future__ import annotations

import pytest

from tests.quote_engine.conftest import D, make_request, price, rules

LINE = [{"sku": "A", "quantity": 1}]


def rule(name: str, action: dict[str, object], **extra: object) -> dict[str, object]:
    return {"name": name, "action": action, **extra}


def applied(ruleset_items: list[dict[str, object]], **request: object) -> tuple[list[str], D]:
    """(names of the rules applied to line 1, its unit net)."""
    lines = request.pop("lines", LINE)
    result = price(make_request(lines, **request), rules(*ruleset_items))  # type: ignore[arg-type]
    names = [s.rule or "" for s in result.lines[0].trace if s.step.value == "promotion_rule"]
    return names, result.lines[0].unit_net


def test_percent_amount_and_set_price_actions() -> None:
    assert applied([rule("p", {"percent_off": "12.5"})]) == (["p"], D("87.50"))
    assert applied([rule("a", {"amount_off": {"USD": "7.25"}})]) == (["a"], D("92.75"))
    assert applied([rule("s", {"set_price": {"USD": "66.60"}}, stacking="exclusive")]) == (
        ["s"],
        D("66.60"),
    )


def test_additive_rules_each_take_their_share_off_the_step_entry_price() -> None:
    # 10 % and 20 % of 100 -> 70 (not 72), then 5 off -> 65
    items = [
        rule("ten", {"percent_off": "10"}, priority=3),
        rule("twenty", {"percent_off": "20"}, priority=2),
        rule("five", {"amount_off": {"USD": "5"}}, priority=1),
    ]
    assert applied(items) == (["ten", "twenty", "five"], D("65.00"))


def test_best_ranked_exclusive_rule_applies_alone() -> None:
    items = [
        rule("add", {"percent_off": "10"}, priority=5),
        rule("only", {"percent_off": "15"}, priority=10, stacking="exclusive"),
    ]
    assert applied(items) == (["only"], D("85.00"))


def test_lower_ranked_exclusive_rule_does_not_join_an_additive_stack() -> None:
    items = [
        rule("add", {"percent_off": "10"}, priority=10),
        rule("only", {"percent_off": "15"}, priority=5, stacking="exclusive"),
        rule("add2", {"percent_off": "1"}, priority=1),
    ]
    assert applied(items) == (["add", "add2"], D("89.00"))


def test_equal_priority_keeps_file_order() -> None:
    items = [
        rule("first", {"percent_off": "10"}, stacking="exclusive"),
        rule("second", {"percent_off": "20"}, stacking="exclusive"),
    ]
    assert applied(items) == (["first"], D("90.00"))


def test_validity_dates_and_missing_action_currency_skip_a_rule() -> None:
    items = [
        rule("past", {"percent_off": "10"}, valid_to="2026-11-26"),
        rule("future", {"percent_off": "10"}, valid_from="2026-11-28"),
        rule("today", {"percent_off": "1"}, valid_from="2026-11-27", valid_to="2026-11-27"),
        rule("eur-only", {"amount_off": {"EUR": "5"}}),
    ]
    assert applied(items) == (["today"], D("99.00"))


def test_amount_off_never_goes_below_zero() -> None:
    assert applied([rule("big", {"amount_off": {"USD": "500"}})]) == (["big"], D("0.00"))


def when(field: str, op: str, value: object) -> dict[str, object]:
    return {"field": field, "op": op, "value": value}


@pytest.mark.parametrize(
    ("condition", "request_kwargs", "expected"),
    [
        (when("line.quantity", ">=", 10), {"lines": [{"sku": "A", "quantity": 10}]}, True),
        (when("line.quantity", ">=", 10), {"lines": [{"sku": "A", "quantity": 9}]}, False),
        (when("partner.tier", "in", ["gold", "platinum"]), {}, True),
        (when("partner.program", "eq", "msp"), {}, False),
        (when("partner.country", "eq", "DE"), {"partner": {"country": "DE"}}, True),
        (when("partner.id", "ne", "P1"), {}, False),
        (when("customer.segment", "eq", "smb"), {"partner": {"customer_segment": "smb"}}, True),
        (
            when("customer.country", "not_in", ["US"]),
            {"partner": {"end_customer_country": "US"}},
            False,
        ),
        (
            when("product.category", "eq", "hw"),
            {"products": [{"sku": "A", "category": "hw", "list_prices": {"USD": "100.00"}}]},
            True,
        ),
        (when("product.group", "eq", "fw"), {}, False),
        (
            when("line.amount", "between", ["100", "500"]),
            {"lines": [{"sku": "A", "quantity": 5}]},
            True,
        ),
        (when("line.amount", ">", "500"), {"lines": [{"sku": "A", "quantity": 5}]}, False),
        (
            when("cart.list_amount", ">=", "300"),
            {"lines": [{"sku": "A", "quantity": 1}, {"sku": "A", "quantity": 2}]},
            True,
        ),
        (when("quote.date", "<", "2026-12-01"), {}, True),
        (when("quote.date", ">=", "2026-12-01"), {}, False),
        (
            when("deal.stage", "eq", "proposal"),
            {"deal": {"deal_id": "D", "stage": "proposal"}},
            True,
        ),
        (when("deal.stage", "eq", "proposal"), {}, False),
        (when("quote.currency", "eq", "JPY"), {}, False),
    ],
)
def test_conditions_on_any_field(
    condition: dict[str, object], request_kwargs: dict[str, object], expected: bool
) -> None:
    names, _ = applied([rule("r", {"percent_off": "5"}, when=condition)], **request_kwargs)
    assert (names == ["r"]) is expected


def test_all_any_not_combinators() -> None:
    condition = {
        "all": [
            {"any": [when("partner.tier", "eq", "silver"), when("line.quantity", ">", 2)]},
            {"not": when("product.sku", "eq", "B")},
        ]
    }
    lines = [{"sku": "A", "quantity": 3}, {"sku": "B", "quantity": 3}, {"sku": "A", "quantity": 1}]
    products = [
        {"sku": "A", "list_prices": {"USD": "100.00"}},
        {"sku": "B", "list_prices": {"USD": "100.00"}},
    ]
    ruleset = rules(rule("r", {"percent_off": "10"}, when=condition))
    result = price(make_request(lines, products), ruleset)
    assert [ln.unit_net for ln in result.lines] == [D("90.00"), D("100.00"), D("100.00")]


def test_indexed_and_unindexed_rules_give_the_same_answer_as_a_plain_scan() -> None:
    """Rules filed under sku/category/partner indexes must match exactly as written."""
    products = [
        {"sku": f"S{i}", "category": f"c{i % 3}", "list_prices": {"USD": "100.00"}}
        for i in range(6)
    ]
    items = [
        rule("sku", {"percent_off": "1"}, when=when("product.sku", "in", ["S1", "S4"])),
        rule(
            "cat",
            {"percent_off": "2"},
            when={
                "all": [when("product.category", "eq", "c2"), when("partner.tier", "eq", "gold")]
            },
        ),
        rule(
            "cat-other-tier",
            {"percent_off": "4"},
            when={
                "all": [when("product.category", "eq", "c2"), when("partner.tier", "eq", "silver")]
            },
        ),
        rule(
            "partner",
            {"percent_off": "8"},
            when={"all": [when("partner.id", "eq", "P1"), when("line.quantity", ">=", 4)]},
        ),
        rule("plain", {"percent_off": "16"}, when=when("line.quantity", "eq", 5)),
    ]
    lines = [{"sku": f"S{i}", "quantity": i} for i in range(1, 6)]
    result = price(make_request(lines, products), rules(*items))
    got = [[s.rule for s in ln.trace if s.step.value == "promotion_rule"] for ln in result.lines]
    assert got == [["sku"], ["cat"], [], ["sku", "partner"], ["cat", "partner", "plain"]]
