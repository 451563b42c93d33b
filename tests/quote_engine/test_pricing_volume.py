"""Waterfall step 4: volume breaks, range (all units at the reached band) and slab (per band)."""

from __future__ import annotations

import pytest

from quote_engine.types import VolumeSchedule
from tests.quote_engine.conftest import D, make_request, price, rules

RANGE = {
    "schedule_id": "R",
    "mode": "range",
    "bands": [{"min_quantity": 10, "percent_off": "5"}, {"min_quantity": 50, "percent_off": "10"}],
}
SLAB = {
    "schedule_id": "S",
    "mode": "slab",
    "bands": [
        {"min_quantity": 1, "percent_off": "0"},
        {"min_quantity": 11, "percent_off": "10"},
        {"min_quantity": 21, "percent_off": "20"},
    ],
}


@pytest.mark.parametrize(
    ("quantity", "unit", "extended"),
    [
        (9, "100.00", "900.00"),
        (10, "95.00", "950.00"),
        (49, "95.00", "4655.00"),
        (50, "90.00", "4500.00"),
    ],
)
def test_range_prices_every_unit_at_the_reached_band(
    quantity: int, unit: str, extended: str
) -> None:
    result = price(make_request([{"sku": "A", "quantity": quantity}], volume_schedules=[RANGE]))
    line = result.lines[0]
    assert (line.unit_net, line.extended_net) == (D(unit), D(extended))


def test_slab_prices_each_unit_in_its_own_band() -> None:
    # 25 units: 10 x 100 + 10 x 90 + 5 x 80 = 2300 -> 92.00 each
    result = price(make_request([{"sku": "A", "quantity": 25}], volume_schedules=[SLAB]))
    step = result.lines[0].trace[2]
    assert (step.before, step.after) == (D("100.00"), D("92"))
    assert "1-10@" in step.reason and "21-25@" in step.reason
    assert result.lines[0].extended_net == D("2300.00")


def test_slab_total_is_the_sum_of_its_bands_and_the_unit_net_is_shown_rounded() -> None:
    slab = {
        **SLAB,
        "bands": [
            {"min_quantity": 1, "percent_off": "0"},
            {"min_quantity": 3, "percent_off": "10"},
        ],
    }
    # 3 units: 2 x 100.00 + 1 x 90.00 = 290.00 (not 3 x 96.67 = 290.01); unit net 96.67 shown
    result = price(make_request([{"sku": "A", "quantity": 3}], volume_schedules=[slab]))
    line = result.lines[0]
    assert (line.unit_net, line.extended_net, line.line_total) == (
        D("96.67"),
        D("290.00"),
        D("290.00"),
    )
    assert "2 x 100.00 + 1 x 90.00 = 290.00" in line.trace[-1].reason
    assert line.discounts_by_step["rounding"] == D("0.00")


@pytest.mark.parametrize(
    ("currency", "list_price", "bands", "extended"),
    [
        # 7 units, the last 4 at 6.6667 % off, each band's unit price rounded:
        # 3 x 1000 + 4 x 933 = 6732 JPY (the rounded average 962 x 7 would be 6734)
        ("JPY", "1000", "3 x 1000 + 4 x 933", "6732"),
        ("BHD", "10.000", "3 x 10.000 + 4 x 9.333", "67.332"),
        ("USD", "10.00", "3 x 10.00 + 4 x 9.33", "67.32"),
    ],
)
def test_each_band_is_rounded_to_the_currency_as_an_invoice_shows_it(
    currency: str, list_price: str, bands: str, extended: str
) -> None:
    schedule = {
        "schedule_id": "S3",
        "mode": "slab",
        "bands": [{"min_quantity": 4, "percent_off": "6.6667"}],
    }
    result = price(
        make_request(
            [{"sku": "A", "quantity": 7}],
            [{"sku": "A", "list_prices": {currency: list_price}}],
            currency=currency,
            volume_schedules=[schedule],
        )
    )
    line = result.lines[0]
    assert line.extended_net == D(extended)
    assert f"{bands} = {extended}" in line.trace[-1].reason


def test_promotions_and_floors_apply_to_each_band_after_a_slab() -> None:
    slab = {
        "schedule_id": "S",
        "mode": "slab",
        "bands": [
            {"min_quantity": 1, "percent_off": "0"},
            {"min_quantity": 3, "percent_off": "40"},
        ],
    }
    promo = rules({"name": "p", "action": {"percent_off": "10"}})
    products = [{"sku": "A", "list_prices": {"USD": "100.00"}, "floor_prices": {"USD": "55.00"}}]
    request = make_request([{"sku": "A", "quantity": 4}], products, volume_schedules=[slab])
    # bands 2 x 100 and 2 x 60; promo 10 % of each: 90 and 54; 54 < floor 55 -> raised
    line = price(request, promo).lines[0]
    assert line.extended_net == D("290.00")  # 2 x 90.00 + 2 x 55.00
    assert line.floor_breached and not line.floor_approved
    assert [s.step.value for s in line.trace][-3:] == ["promotion_rule", "floor_guard", "rounding"]
    assert line.discounts_by_step["floor_guard"] == D("-2.00")
    assert line.extended_list - sum(line.discounts_by_step.values()) == line.line_total


def test_band_unit_price_never_raises_the_running_price() -> None:
    schedule = {
        "schedule_id": "P",
        "mode": "range",
        "bands": [{"min_quantity": 10, "unit_prices": {"USD": "85.00"}}],
    }
    cheap = price(make_request([{"sku": "A", "quantity": 10}], volume_schedules=[schedule]))
    assert cheap.lines[0].unit_net == D("85.00")
    buy = [{"program": "reseller", "percent_off": "20"}]
    already_lower = price(
        make_request(
            [{"sku": "A", "quantity": 10}], volume_schedules=[schedule], buy_price_rules=buy
        )
    )
    assert already_lower.lines[0].unit_net == D("80.00")


def test_sku_schedule_beats_category_schedule_and_programs_restrict() -> None:
    products = [{"sku": "A", "category": "hw", "list_prices": {"USD": "100.00"}}]
    by_category = {**RANGE, "schedule_id": "C", "categories": ["hw"]}
    by_sku = {**SLAB, "schedule_id": "K", "skus": ["A"]}
    other_program = {**RANGE, "schedule_id": "M", "skus": ["A"], "programs": ["msp"]}
    result = price(
        make_request(
            [{"sku": "A", "quantity": 25}],
            products,
            volume_schedules=[other_program, by_category, by_sku],
        )
    )
    assert result.lines[0].trace[2].rule == "K"


@pytest.mark.parametrize(
    "bands",
    [
        [{"min_quantity": 10, "percent_off": "5"}, {"min_quantity": 5, "percent_off": "10"}],
        [{"min_quantity": 5, "percent_off": "10"}, {"min_quantity": 10, "percent_off": "5"}],
        [
            {"min_quantity": 5, "percent_off": "10"},
            {"min_quantity": 10, "unit_prices": {"USD": "1"}},
        ],
    ],
)
def test_schedules_that_are_unordered_or_get_dearer_are_refused(
    bands: list[dict[str, object]],
) -> None:
    with pytest.raises(ValueError, match="band"):
        VolumeSchedule.model_validate({"schedule_id": "X", "mode": "range", "bands": bands})
