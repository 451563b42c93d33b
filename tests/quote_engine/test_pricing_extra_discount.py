"""The discount beyond the partner's buy price, per line and in the totals, and what it escalates."""

from __future__ import annotations

import json
from decimal import Decimal

from quote_engine.approvals import ApprovalSubject, default_approval_policy, policy_from_data
from quote_engine.pricing.totals import stored_extra_discount_percent
from quote_engine.types import PricingResult
from tests.quote_engine.conftest import D, make_request, price, product

BUY30 = [{"program": "reseller", "tier": "gold", "percent_off": "30"}]
PRODUCTS = [product("A", "100.00"), product("B", "50.00")]


def test_extra_discount_is_measured_from_the_buy_price_not_the_list_price() -> None:
    lines = [
        {"sku": "A", "quantity": 3, "requested_discount_percent": "10"},
        {"sku": "B", "quantity": 1},
    ]
    result = price(make_request(lines, PRODUCTS, buy_price_rules=BUY30))
    a, b = result.lines
    # A: list 100 -> buy 70 -> extra 10 % -> 63.00; (70 - 189.00 / 3) / 70 = 10 %; off list 37 %
    assert (a.unit_buy, a.unit_net, a.line_total) == (D("70.0"), D("63.00"), D("189.00"))
    assert (a.discount_percent, a.extra_discount_percent) == (D("37.00"), D("10.00"))
    # B: bought and sold at the standard buy price 35: 30 % off list, nothing extra
    assert (b.discount_percent, b.extra_discount_percent) == (D("30.00"), D("0.00"))
    assert result.totals.max_line_discount_percent == D("37.00")
    assert result.totals.max_line_extra_discount_percent == D("10.00")
    assert a.to_jsonable()["extra_discount_percent"] == "10.00"


def test_extra_discount_includes_the_line_share_of_the_header_discount() -> None:
    lines = [
        {"sku": "A", "quantity": 3},
        {"sku": "B", "quantity": 2, "requested_discount_percent": "20"},
    ]
    request = make_request(lines, PRODUCTS, buy_price_rules=BUY30, header={"amount": "30.00"})
    a, b = price(request).lines
    # A: 3 x 70.00 = 210.00; B: 35 x 0.8 = 28.00, x 2 = 56.00; net 266.00
    # header 30.00: A 30 x 210 / 266 = 23.684 -> 23.68; B the remainder 6.32
    assert (a.header_discount, b.header_discount) == (D("23.68"), D("6.32"))
    # A: (210 - 186.32) / 210 = 11.276 % ; B: (70 - 49.68) / 70 = 29.029 %, 50.32 % off list
    assert (a.line_total, a.extra_discount_percent) == (D("186.32"), D("11.28"))
    assert (b.line_total, b.extra_discount_percent) == (D("49.68"), D("29.03"))
    assert b.discount_percent == D("50.32")


def test_extra_discount_is_zero_when_the_buy_price_is_zero() -> None:
    buy = [{"name": "free A", "sku": "A", "fixed_prices": {"USD": "0"}}]
    result = price(make_request([{"sku": "A", "quantity": 2}], PRODUCTS, buy_price_rules=buy))
    line = result.lines[0]
    assert (line.unit_buy, line.unit_net, line.discount_percent) == (D("0"), D("0.00"), D("100.00"))
    assert line.extra_discount_percent == 0
    assert result.totals.max_line_extra_discount_percent == 0


def test_a_net_a_fraction_above_the_buy_price_is_zero_not_minus_zero() -> None:
    # 250.50 x 0.855 = 214.1775 buy; the net rounds up to 214.18
    buy = [{"program": "reseller", "percent_off": "14.5"}]
    result = price(
        make_request([{"sku": "A", "quantity": 1}], [product("A", "250.50")], buy_price_rules=buy)
    )
    assert str(result.lines[0].extra_discount_percent) == "0.00"


def test_stored_line_reads_its_buy_price_off_the_trace_after_distributor_terms() -> None:
    result = price(
        make_request(
            [{"sku": "A", "quantity": 4, "requested_discount_percent": "10"}],
            PRODUCTS,
            partner={"distributor_id": "D1"},
            buy_price_rules=[{"program": "reseller", "percent_off": "20"}],
            distributor_terms=[{"distributor_id": "D1", "percent_off": "5", "uplift_percent": "2"}],
        )
    )
    line = result.lines[0]
    # buy 100 x 0.8 x 0.95 x 1.02 = 77.52; net 77.52 x 0.9 = 69.768 -> 69.77
    # extra (4 x 77.52 - 279.08) / (4 x 77.52) = 31.00 / 310.08 = 9.997 % -> 10.00
    assert (line.unit_buy, line.line_total) == (D("77.5200"), D("279.08"))
    assert line.extra_discount_percent == D("10.00")
    stored = json.dumps([s.to_jsonable() for s in line.trace])
    args = (line.unit_list, line.quantity, line.line_total)
    assert stored_extra_discount_percent(stored, *args) == D("10.00")
    # No buy step recorded: the whole discount off list counts (279.08 of 400.00 -> 30.23 %)
    assert stored_extra_discount_percent("[]", *args) == D("30.23")


def _subject(result: PricingResult) -> ApprovalSubject:
    totals = result.totals
    return ApprovalSubject(
        kind="quote",
        currency="USD",
        total=totals.net_total,
        list_total=totals.list_total,
        max_line_discount_pct=totals.max_line_discount_percent,
        max_line_extra_discount_pct=totals.max_line_extra_discount_percent,
        tier="gold",
    )


def test_gold_partner_at_its_standard_discount_needs_no_pricing_desk() -> None:
    policy = default_approval_policy()
    standard = price(make_request([{"sku": "A", "quantity": 5}], PRODUCTS, buy_price_rules=BUY30))
    assert standard.totals.max_line_discount_percent == D("30.00")  # over 20 % off list
    assert policy.required_steps(_subject(standard)) == []

    extra = price(
        make_request(
            [{"sku": "A", "quantity": 5, "requested_discount_percent": "25"}],
            PRODUCTS,
            buy_price_rules=BUY30,
        )
    )
    # 70 x 0.75 = 52.50: 25 % beyond the buy price, 47.5 % off list
    totals = extra.totals
    assert (totals.max_line_extra_discount_percent, totals.max_line_discount_percent) == (
        D("25.00"),
        D("47.50"),
    )
    steps = policy.required_steps(_subject(extra))
    assert [(s.order, s.side.value, s.role) for s in steps] == [(1, "vendor", "pricing_desk")]
    assert "max_line_extra_discount_pct 25.00 above 20" in steps[0].reason


def test_custom_rules_can_still_escalate_on_the_discount_off_list() -> None:
    policy = policy_from_data(
        {
            "rules": [
                {
                    "name": "off-list",
                    "when": {"field": "max_line_discount_pct", "op": "gt", "value": 20},
                    "approver": {"side": "vendor", "role": "sales_ops"},
                }
            ]
        },
        "inline",
    )
    standard = price(make_request([{"sku": "A", "quantity": 5}], PRODUCTS, buy_price_rules=BUY30))
    assert [s.role for s in policy.required_steps(_subject(standard))] == ["sales_ops"]
    assert _subject(standard).max_line_extra_discount_pct == Decimal("0.00")
