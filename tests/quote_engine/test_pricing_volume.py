"""Waterfall step 4: volume breaks, range (all units at the reached band) and slab (per band)."""

from __future__ import annotations

import pytest

from quote_engine.types import VolumeSchedule
from tests.quote_engine.conftest import D, make_request, price

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


def test_slab_average_is_rounded_once_and_extended_is_unit_times_quantity() -> None:
    slab = {
        **SLAB,
        "bands": [
            {"min_quantity": 1, "percent_off": "0"},
            {"min_quantity": 3, "percent_off": "10"},
        ],
    }
    # 3 units: 2 x 100 + 1 x 90 = 290 -> 96.666... -> 96.67 ; extended 3 x 96.67 = 290.01
    result = price(make_request([{"sku": "A", "quantity": 3}], volume_schedules=[slab]))
    assert result.lines[0].unit_net == D("96.67")
    assert result.lines[0].extended_net == D("290.01")


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
