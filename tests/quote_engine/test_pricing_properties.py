"""Property tests (hypothesis) for the price waterfall: exact totals, range monotonicity,
the floor guard and determinism."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from quote_engine.money import quantum
from quote_engine.types import PricingRequest
from tests.quote_engine.conftest import make_request, price, rules

CURRENCIES = st.sampled_from(["USD", "JPY", "BHD", "EUR"])
money = st.decimals(min_value=Decimal("0.001"), max_value=Decimal(100_000), places=3)
percent = st.decimals(min_value=Decimal(0), max_value=Decimal(60), places=2)
FAST = settings(max_examples=60, deadline=None)


@st.composite
def carts(draw: st.DrawFn) -> PricingRequest:
    """Random carts: 1-5 products, buy rules, a range schedule, promos, floors, header."""
    currency = draw(CURRENCIES)
    n_products = draw(st.integers(1, 5))
    products = []
    for i in range(n_products):
        p: dict[str, object] = {
            "sku": f"S{i}",
            "category": f"c{i % 2}",
            "list_prices": {currency: str(draw(money))},
        }
        if draw(st.booleans()):
            p["floor_prices"] = {currency: str(draw(money))}
        products.append(p)
    lines = []
    for _ in range(draw(st.integers(1, 6))):
        line: dict[str, object] = {
            "sku": f"S{draw(st.integers(0, n_products - 1))}",
            "quantity": draw(st.integers(1, 500)),
        }
        choice = draw(st.integers(0, 2))
        if choice == 1:
            line["requested_discount_percent"] = str(draw(percent))
        elif choice == 2:
            line["requested_unit_price"] = str(draw(money))
        line["approved_below_floor"] = draw(st.booleans())
        lines.append(line)
    header = draw(st.one_of(st.none(), st.builds(lambda p: {"percent": str(p)}, percent)))
    return make_request(
        lines,
        products,
        currency=currency,
        header=header,
        buy_price_rules=[{"program": "reseller", "percent_off": str(draw(percent))}],
        volume_schedules=[
            {
                "schedule_id": "v",
                "mode": draw(st.sampled_from(["range", "slab"])),
                "bands": [
                    {"min_quantity": 10, "percent_off": "3"},
                    {"min_quantity": 100, "percent_off": "7"},
                ],
            }
        ],
    )


PROMOS = rules(
    {
        "name": "c0",
        "when": {"field": "product.category", "op": "eq", "value": "c0"},
        "action": {"percent_off": "4"},
    },
    {
        "name": "big",
        "when": {"field": "line.quantity", "op": ">=", "value": 50},
        "action": {"percent_off": "2.5"},
    },
)


@FAST
@given(carts())
def test_totals_equal_the_sum_of_the_lines_exactly(request: PricingRequest) -> None:
    result = price(request, PROMOS)
    totals = result.totals
    assert totals.net_total == sum((ln.line_total for ln in result.lines), Decimal(0))
    assert totals.list_total == sum((ln.extended_list for ln in result.lines), Decimal(0))
    assert (
        totals.list_total - sum(totals.discounts_by_step.values(), Decimal(0)) == totals.net_total
    )
    half = quantum(result.currency) / 2
    for ln in result.lines:
        # A slab line's extended net is the sum of its bands; its unit net is that / quantity.
        assert abs(ln.extended_net - ln.unit_net * ln.quantity) <= half * ln.quantity
        assert ln.line_total == ln.extended_net - ln.header_discount
    header = sum((ln.header_discount for ln in result.lines), Decimal(0))
    assert header == totals.discounts_by_step.get("header_discount", Decimal(0))


@FAST
@given(carts())
def test_no_net_below_the_floor_without_an_approval(request: PricingRequest) -> None:
    result = price(request, PROMOS)
    for ln, asked in zip(result.lines, request.lines, strict=True):
        if ln.floor_price is not None and not asked.approved_below_floor:
            assert ln.unit_net >= ln.floor_price
        if ln.floor_price is not None and ln.unit_net < ln.floor_price:
            assert asked.approved_below_floor and ln.floor_approved
    flagged = [ln for ln in result.lines if ln.floor_breached and not ln.floor_approved]
    assert result.needs_floor_approval is bool(flagged)


@st.composite
def range_schedules(draw: st.DrawFn) -> dict[str, object]:
    """A valid range schedule: ascending quantities, non-decreasing discounts."""
    mins = sorted(draw(st.sets(st.integers(1, 1000), min_size=1, max_size=5)))
    cuts = sorted(draw(st.lists(percent, min_size=len(mins), max_size=len(mins))))
    bands = [{"min_quantity": q, "percent_off": str(p)} for q, p in zip(mins, cuts, strict=True)]
    return {"schedule_id": "r", "mode": "range", "bands": bands}


@FAST
@given(range_schedules(), money, st.integers(1, 1200), st.integers(1, 1200), CURRENCIES)
def test_more_quantity_never_raises_the_unit_price_under_a_range_schedule(
    schedule: dict[str, object], list_price: Decimal, q1: int, q2: int, currency: str
) -> None:
    low, high = sorted((q1, q2))
    products = [{"sku": "A", "list_prices": {currency: str(list_price)}}]

    def unit(quantity: int) -> Decimal:
        request = make_request(
            [{"sku": "A", "quantity": quantity}],
            products,
            currency=currency,
            volume_schedules=[schedule],
        )
        return price(request).lines[0].unit_net

    assert unit(high) <= unit(low)


@FAST
@given(carts())
def test_same_input_same_output(request: PricingRequest) -> None:
    first = price(request, PROMOS)
    again = price(PricingRequest.model_validate_json(request.model_dump_json()), PROMOS)
    assert first == again
    assert first.to_jsonable() == again.to_jsonable()
    assert first.content_hash() == again.content_hash()


def test_content_hash_ignores_the_pricing_day_but_not_the_priced_content() -> None:
    request = make_request([{"sku": "A", "quantity": 2}])
    monday = price(request, None, date(2026, 11, 23))
    friday = price(request, None, date(2026, 11, 27))
    assert monday.priced_on != friday.priced_on
    assert monday.content_hash() == friday.content_hash()
    more = price(make_request([{"sku": "A", "quantity": 3}]))
    cheaper = price(make_request([{"sku": "A", "quantity": 2, "requested_discount_percent": "1"}]))
    hashes = {friday.content_hash(), more.content_hash(), cheaper.content_hash()}
    assert len(hashes) == 3
