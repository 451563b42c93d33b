"""Steps 6-8: special price, floor guard, rounding (JPY/USD/BHD), header discount, totals."""

from __future__ import annotations

from decimal import Decimal

import pytest

from quote_engine.errors import FloorConfigError, PricingError
from quote_engine.money import minor_units, round_money
from quote_engine.types import PricingStep
from tests.quote_engine.conftest import D, make_request, price, product


def test_requested_special_price_and_extra_discount() -> None:
    special = price(make_request([{"sku": "A", "quantity": 2, "requested_unit_price": "61.50"}]))
    assert special.lines[0].trace[-2][:3] == (PricingStep.SPECIAL, D("100.00"), D("61.50"))
    assert special.lines[0].extended_net == D("123.00")
    extra = price(make_request([{"sku": "A", "quantity": 1, "requested_discount_percent": "7.5"}]))
    assert extra.lines[0].unit_net == D("92.50")


FLOORED = [product("A", "100.00", floor_prices={"USD": "70.00"})]


def test_floor_raises_an_unapproved_price_and_flags_the_line() -> None:
    result = price(
        make_request([{"sku": "A", "quantity": 3, "requested_unit_price": "60"}], FLOORED)
    )
    line = result.lines[0]
    assert (line.unit_net, line.floor_price, line.floor_breached, line.floor_approved) == (
        D("70.00"),
        D("70.00"),
        True,
        False,
    )
    floor = line.trace[-2]
    assert (floor.step, floor.before, floor.after) == (PricingStep.FLOOR, D("60"), D("70.00"))
    assert "needs an approval" in floor.reason
    assert result.needs_floor_approval and result.totals.floor_breaches == 1


def test_only_an_approval_lets_a_price_below_the_floor_through() -> None:
    line_in = {
        "sku": "A",
        "quantity": 3,
        "requested_unit_price": "60",
        "approved_below_floor": True,
    }
    result = price(make_request([line_in], FLOORED))
    line = result.lines[0]
    assert (line.unit_net, line.floor_breached, line.floor_approved) == (D("60.00"), True, True)
    assert not result.needs_floor_approval


def test_price_above_the_floor_is_untouched() -> None:
    result = price(
        make_request([{"sku": "A", "quantity": 1, "requested_unit_price": "70.00"}], FLOORED)
    )
    assert not result.lines[0].floor_breached
    assert all(s.step is not PricingStep.FLOOR for s in result.lines[0].trace)


def test_minimum_margin_floor_uses_the_unit_cost() -> None:
    # cost 60, min margin 25 % -> floor 60 / 0.75 = 80.00
    products = [product("A", "100.00", unit_costs={"USD": "60"}, min_margin_percent="25")]
    result = price(
        make_request([{"sku": "A", "quantity": 1, "requested_unit_price": "75"}], products)
    )
    assert (result.lines[0].floor_price, result.lines[0].unit_net) == (D("80.00"), D("80.00"))


def test_minimum_margin_floor_is_rounded_up_in_jpy() -> None:
    # cost 100 JPY, min margin 30 % -> 142.857... -> floor 143 (never below the margin)
    products = [product("A", "1000", "JPY", unit_costs={"JPY": "100"}, min_margin_percent="30")]
    request = make_request(
        [{"sku": "A", "quantity": 1, "requested_unit_price": "1"}], products, currency="JPY"
    )
    assert price(request).lines[0].unit_net == D("143")


def test_minimum_margin_without_cost_names_the_field() -> None:
    products = [product("A", "100.00", min_margin_percent="25")]
    with pytest.raises(FloorConfigError, match="unit_costs"):
        price(make_request([{"sku": "A", "quantity": 1}], products))


@pytest.mark.parametrize(
    ("currency", "list_price", "percent", "unit_net"),
    [
        ("JPY", "1234", "12.5", "1080"),  # 1079.75 -> 1080
        ("JPY", "1001", "50", "501"),  # 500.5 -> 501 (half-up)
        ("USD", "19.99", "12.5", "17.49"),  # 17.49125
        ("USD", "10.01", "50", "5.01"),  # 5.005 -> 5.01 (half-up, not half-even)
        ("BHD", "1.2345", "50", "0.617"),  # 0.61725
        ("BHD", "4.001", "50", "2.001"),  # 2.0005 -> 2.001
    ],
)
def test_unit_net_is_rounded_once_half_up_to_minor_units(
    currency: str, list_price: str, percent: str, unit_net: str
) -> None:
    request = make_request(
        [{"sku": "A", "quantity": 3, "requested_discount_percent": percent}],
        [product("A", list_price, currency)],
        currency=currency,
    )
    line = price(request).lines[0]
    assert str(line.unit_net) == unit_net
    assert line.extended_net == line.unit_net * 3
    assert line.unit_net.as_tuple().exponent == -minor_units(currency)


def test_money_helpers_reject_unknown_currencies() -> None:
    assert round_money(Decimal("2.345"), "USD") == Decimal("2.35")
    with pytest.raises(PricingError, match="ISO 4217"):
        round_money(Decimal(1), "XYZ")


def test_header_amount_is_spread_pro_rata_with_the_remainder_on_the_last_line() -> None:
    lines = [{"sku": "A", "quantity": 1}] * 3
    result = price(make_request(lines, header={"amount": "100.00"}))
    assert [ln.header_discount for ln in result.lines] == [D("33.33"), D("33.33"), D("33.34")]
    assert [ln.line_total for ln in result.lines] == [D("66.67"), D("66.67"), D("66.66")]
    assert result.totals.net_total == D("200.00")
    assert result.totals.discounts_by_step["header_discount"] == D("100.00")


def test_header_percent_rounds_the_total_then_spreads_it() -> None:
    products = [product("A", "10.00"), product("B", "20.00"), product("C", "30.05")]
    lines = [{"sku": s, "quantity": 1} for s in "ABC"]
    # net 60.05 x 10 % = 6.005 -> 6.01 ; 1.00 + 2.00 + remainder 3.01
    result = price(make_request(lines, products, header={"percent": "10"}))
    assert [ln.header_discount for ln in result.lines] == [D("1.00"), D("2.00"), D("3.01")]
    assert result.totals.net_total == D("54.04")


def test_header_discount_in_jpy_has_no_fractions() -> None:
    products = [product("A", "1000", "JPY")]
    lines = [{"sku": "A", "quantity": 1}] * 3
    result = price(make_request(lines, products, currency="JPY", header={"amount": "1000"}))
    assert [ln.header_discount for ln in result.lines] == [D("333"), D("333"), D("334")]


def test_header_amount_above_the_net_is_refused() -> None:
    with pytest.raises(PricingError, match="header_discount field amount"):
        price(make_request([{"sku": "A", "quantity": 1}], header={"amount": "100.01"}))


def test_totals_reconcile_by_step_and_margin_is_against_the_buy_price() -> None:
    products = [product("A", "33.33"), product("B", "0.07")]
    lines = [
        {"sku": "A", "quantity": 7},
        {"sku": "B", "quantity": 3, "requested_discount_percent": "33.3"},
    ]
    buy = [{"program": "reseller", "percent_off": "17"}]
    result = price(make_request(lines, products, buy_price_rules=buy, header={"percent": "3"}))
    totals = result.totals
    # A: 33.33 x 0.83 = 27.6639 -> 27.66 ; B: 0.07 x 0.83 x 0.667 = 0.03875... -> 0.04
    assert [ln.unit_net for ln in result.lines] == [D("27.66"), D("0.04")]
    assert totals.list_total == D("233.52")
    assert totals.buy_total == D("193.82")  # 193.6473 -> 193.65 ; 0.1743 -> 0.17
    assert totals.list_total - sum(totals.discounts_by_step.values()) == totals.net_total
    assert totals.net_total == sum(ln.line_total for ln in result.lines)
    assert totals.margin == totals.net_total - totals.buy_total
    assert totals.max_line_discount_percent == max(ln.discount_percent for ln in result.lines)
