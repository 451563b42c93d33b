"""Waterfall steps 1-3: list price and conversion, partner buy price, distributor terms, deal."""

from __future__ import annotations

import pytest

from quote_engine.errors import MissingPriceError, PricingError, UnknownProductError
from quote_engine.types import PricingStep
from tests.quote_engine.conftest import D, make_request, price, product, steps

LINE = [{"sku": "A", "quantity": 1}]


def test_list_price_in_quote_currency_is_the_first_step() -> None:
    result = price(make_request(LINE, [product("A", "123.45")]))
    assert steps(result) == [
        ("list_price", D("123.45"), D("123.45")),
        ("buy_price", D("123.45"), D("123.45")),
        ("rounding", D("123.45"), D("123.45")),
    ]
    assert result.lines[0].unit_net == D("123.45")
    assert result.totals.list_total == D("123.45")


def test_missing_currency_converts_only_with_an_exchange_rate_and_traces_the_rate() -> None:
    rates = {"rates": [{"from_currency": "EUR", "to_currency": "USD", "rate": "1.0825"}]}
    result = price(make_request(LINE, [product("A", "100.00", "EUR")], exchange_rates=rates))
    first = result.lines[0].trace[0]
    assert (first.before, first.after, first.rate) == (D("100.00"), D("108.2500"), D("1.0825"))
    assert "EUR" in first.reason and "1.0825" in first.reason
    assert result.lines[0].unit_net == D("108.25")


def test_missing_currency_without_rate_is_a_domain_error_naming_product_field_and_fix() -> None:
    with pytest.raises(MissingPriceError) as err:
        price(make_request(LINE, [product("A", "100.00", "EUR")]))
    assert "'A'" in err.value.message
    assert "list_prices" in err.value.message
    assert "USD" in err.value.message and "exchange rate" in err.value.message


def test_unknown_sku_names_the_line_and_the_fix() -> None:
    with pytest.raises(UnknownProductError, match=r"cart line 1 field sku: product 'Z'"):
        price(make_request([{"sku": "Z", "quantity": 1}]))


def test_fixed_sku_buy_price_beats_program_tier_percent() -> None:
    buy = [
        {"program": "reseller", "tier": "gold", "percent_off": "30"},
        {"name": "A fixed", "sku": "A", "fixed_prices": {"USD": "75.00"}},
    ]
    result = price(make_request(LINE, buy_price_rules=buy))
    step = result.lines[0].trace[1]
    assert (step.step, step.before, step.after, step.rule) == (
        PricingStep.BUY,
        D("100.00"),
        D("75.00"),
        "A fixed",
    )
    assert result.lines[0].unit_buy == D("75.00")


def test_most_specific_percent_rule_wins_and_other_programs_are_ignored() -> None:
    buy = [
        {"program": "reseller", "percent_off": "20"},
        {"program": "reseller", "tier": "gold", "percent_off": "25"},
        {"program": "msp", "tier": "gold", "percent_off": "50"},
    ]
    result = price(make_request(LINE, buy_price_rules=buy))
    assert result.lines[0].unit_buy == D("75.0000")
    silver = price(make_request(LINE, buy_price_rules=buy, partner={"tier": "silver"}))
    assert silver.lines[0].unit_buy == D("80.0000")


def test_no_buy_rule_means_buy_at_list() -> None:
    result = price(make_request(LINE, buy_price_rules=[{"program": "msp", "percent_off": "40"}]))
    assert result.lines[0].unit_buy == D("100.00")
    assert "no buy-price rule" in result.lines[0].trace[1].reason


def test_distributor_terms_apply_percent_off_then_uplift_and_category_override() -> None:
    products = [product("A", "100.00", category="hw"), product("S", "100.00", category="services")]
    terms = [
        {
            "distributor_id": "D1",
            "percent_off": "5",
            "uplift_percent": "2",
            "category_percent_off": {"services": "0"},
        }
    ]
    result = price(
        make_request(
            [{"sku": "A", "quantity": 1}, {"sku": "S", "quantity": 1}],
            products,
            partner={"distributor_id": "D1"},
            buy_price_rules=[{"program": "reseller", "percent_off": "20"}],
            distributor_terms=terms,
        )
    )
    # A: 100 -> 80 (buy) -> 80 x 0.95 x 1.02 = 77.52 ; S: 80 x 1.00 x 1.02 = 81.60
    assert steps(result, 0)[2] == ("distributor_terms", D("80.0"), D("77.5200"))
    assert result.lines[0].unit_buy == D("77.5200")
    assert result.lines[1].unit_net == D("81.60")


def test_buy_and_distributor_steps_each_count_what_they_took_off_once() -> None:
    # 3 x list 100 -> buy 30 % off 70 -> distributor 10 % off 63 -> deal 10 % off 56.70
    result = price(
        make_request(
            [{"sku": "A", "quantity": 3}],
            partner={"distributor_id": "D1"},
            deal=DEAL,
            buy_price_rules=[{"program": "reseller", "percent_off": "30"}],
            distributor_terms=[{"distributor_id": "D1", "percent_off": "10"}],
        )
    )
    expected = {
        "buy_price": D("90.00"),
        "distributor_terms": D("21.00"),
        "deal_registration": D("18.90"),
        "rounding": D("0.00"),
    }
    assert result.lines[0].discounts_by_step == expected
    assert result.totals.discounts_by_step == expected
    assert result.totals.net_total == D("170.10") == D("300.00") - sum(expected.values())
    assert result.totals.buy_total == D("189.00")


def test_partner_with_unknown_distributor_is_refused_with_the_fix() -> None:
    with pytest.raises(PricingError, match="distributor_terms; add its terms"):
        price(make_request(LINE, partner={"distributor_id": "NOPE"}))


DEAL = {
    "deal_id": "DR1",
    "registration_status": "approved",
    "expires_on": "2026-12-31",
    "end_customer_id": "C1",
    "discount_percent": "10",
}
BUY20 = [{"program": "reseller", "percent_off": "20"}]


def test_approved_registration_discounts_the_buy_price() -> None:
    result = price(make_request(LINE, deal=DEAL, buy_price_rules=BUY20))
    assert steps(result)[2] == ("deal_registration", D("80.0"), D("72.000"))
    assert result.lines[0].unit_net == D("72.00")
    assert result.totals.discounts_by_step["deal_registration"] == D("8.00")


@pytest.mark.parametrize(
    ("change", "why"),
    [
        ({"registration_status": "pending"}, "pending, not approved"),
        ({"expires_on": "2026-11-26"}, "expired on 2026-11-26"),
        ({"end_customer_id": "OTHER"}, "end customer OTHER"),
        ({"scope_skus": ["B"]}, "outside registration DR1's scope"),
    ],
)
def test_registration_discount_is_withheld_and_the_trace_says_why(
    change: dict[str, object], why: str
) -> None:
    result = price(make_request(LINE, deal={**DEAL, **change}, buy_price_rules=BUY20))
    step = result.lines[0].trace[2]
    assert (step.step, step.before, step.after) == (PricingStep.DEAL, D("80.0"), D("80.0"))
    assert why in step.reason
    assert result.lines[0].unit_net == D("80.00")


def test_registration_valid_through_its_expiry_day_and_scope_by_category() -> None:
    deal = {**DEAL, "expires_on": "2026-11-27", "scope_categories": ["hw"]}
    products = [product("A", "100.00", category="hw"), product("B", "100.00", category="sw")]
    lines = [{"sku": "A", "quantity": 1}, {"sku": "B", "quantity": 1}]
    result = price(make_request(lines, products, deal=deal))
    assert [ln.unit_net for ln in result.lines] == [D("90.00"), D("100.00")]
