"""Property tests (hypothesis): every priced line and every quote reconciles step by step.

For each line, extended list - each step's discount = line total exactly; each step's discount
is the money the trace says it took off (within one minor unit); rounding never exceeds half a
minor unit per unit of quantity. The quote's step discounts are the sums of its lines'. Carts
mix 0-, 2- and 3-decimal currencies, exchange-rate conversions, fixed and percent buy prices,
distributor terms, deal registrations, range and slab schedules (percent and unit-price bands),
promotion rules of every kind, special prices, floors and header discounts.
"""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from quote_engine.money import minor_units, quantum, round_money
from quote_engine.pricing import RuleSet
from quote_engine.types import PricedLine, PricingRequest, PricingResult, PricingStep
from tests.quote_engine.conftest import make_request, price, rules

CURRENCIES = ("USD", "JPY", "BHD", "EUR")
OTHER = {"USD": "EUR", "JPY": "USD", "BHD": "USD", "EUR": "JPY"}
"""The currency a product may be listed in instead, converted with an exchange rate."""
CATEGORIES = ("hw", "sw", "svc")
SETTINGS = settings(max_examples=250, deadline=None)
_ZERO = Decimal(0)
_TIGHT = Decimal("1e-12")
"""Slack for a slab line's trace, whose average unit amounts are rounded to 28 digits."""

percent = st.decimals(min_value=Decimal(0), max_value=Decimal(40), places=2)


def money(currency: str, low: str = "0.01", high: str = "20000") -> st.SearchStrategy[Decimal]:
    """Amounts in `currency`'s minor units, as a catalog or a request would give them."""
    q = quantum(currency)
    return st.decimals(
        min_value=max(Decimal(low), q), max_value=Decimal(high), places=minor_units(currency)
    )


@st.composite
def bands(draw: st.DrawFn, currency: str) -> list[dict[str, object]]:
    """Valid schedule bands: ascending quantities, never dearer (percent or unit prices)."""
    mins = sorted(draw(st.sets(st.integers(1, 300), min_size=1, max_size=4)))
    if draw(st.booleans()):
        cuts = sorted(draw(st.lists(percent, min_size=len(mins), max_size=len(mins))))
        return [{"min_quantity": m, "percent_off": str(p)} for m, p in zip(mins, cuts, strict=True)]
    prices = sorted(
        draw(st.lists(money(currency), min_size=len(mins), max_size=len(mins))), reverse=True
    )
    return [
        {"min_quantity": m, "unit_prices": {currency: str(p)}}
        for m, p in zip(mins, prices, strict=True)
    ]


@st.composite
def carts(draw: st.DrawFn) -> tuple[PricingRequest, RuleSet]:
    """A random cart and rule set exercising every waterfall step."""
    currency = draw(st.sampled_from(CURRENCIES))
    other = OTHER[currency]
    rate = draw(st.decimals(min_value=Decimal("0.0001"), max_value=Decimal(200), places=6))
    products = []
    for i in range(draw(st.integers(1, 4))):
        listed_in = draw(st.sampled_from((currency, other)))
        p: dict[str, object] = {
            "sku": f"S{i}",
            "category": CATEGORIES[i % 3],
            "list_prices": {listed_in: str(draw(money(listed_in)))},
        }
        if draw(st.booleans()):
            p["floor_prices"] = {currency: str(draw(money(currency, high="5000")))}
        elif draw(st.booleans()):
            p["unit_costs"] = {currency: str(draw(money(currency, high="5000")))}
            p["min_margin_percent"] = str(draw(percent))
        products.append(p)
    buy_rules: list[dict[str, object]] = [
        {"program": "reseller", "percent_off": str(draw(percent))}
    ]
    if draw(st.booleans()):
        buy_rules.append({"sku": "S0", "fixed_prices": {currency: str(draw(money(currency)))}})
    distributors = [
        {
            "distributor_id": "D1",
            "percent_off": str(draw(percent)),
            "uplift_percent": str(draw(percent)),
            "category_percent_off": {"svc": str(draw(percent))},
        }
    ]
    schedules = [
        {
            "schedule_id": f"V{c}",
            "mode": draw(st.sampled_from(["range", "slab"])),
            "categories": [c],
            "bands": draw(bands(currency)),
        }
        for c in CATEGORIES
        if draw(st.booleans())
    ]
    deal = {
        "deal_id": "DR1",
        "registration_status": "approved",
        "end_customer_id": "C1",
        "discount_percent": str(draw(percent)),
        "scope_categories": draw(st.lists(st.sampled_from(CATEGORIES), unique=True)),
    }
    lines = []
    for _ in range(draw(st.integers(1, 5))):
        line: dict[str, object] = {
            "sku": f"S{draw(st.integers(0, len(products) - 1))}",
            "quantity": draw(st.one_of(st.integers(1, 400), st.integers(1, 100_000))),
            "approved_below_floor": draw(st.booleans()),
        }
        choice = draw(st.integers(0, 3))
        if choice == 1:
            line["requested_discount_percent"] = str(draw(percent))
        elif choice == 2:
            line["requested_unit_price"] = str(draw(money(currency)))
        lines.append(line)
    request = make_request(
        lines,
        products,
        currency=currency,
        partner={"distributor_id": "D1"} if draw(st.booleans()) else None,
        deal=deal if draw(st.booleans()) else None,
        buy_price_rules=buy_rules,
        distributor_terms=distributors,
        volume_schedules=schedules,
        exchange_rates={"rates": [{"from_currency": other, "to_currency": currency, "rate": rate}]},
    )
    ruleset = rules(
        {
            "name": "hw",
            "priority": 5,
            "when": {"field": "product.category", "op": "eq", "value": "hw"},
            "action": {"percent_off": str(draw(percent.filter(bool)))},
        },
        {
            "name": "volume",
            "when": {"field": "line.quantity", "op": ">=", "value": draw(st.integers(1, 200))},
            "action": {"amount_off": {currency: str(draw(money(currency, high="50")))}},
        },
        {
            "name": "svc-price",
            "priority": draw(st.integers(-10, 10)),
            "stacking": "exclusive",
            "when": {"field": "product.category", "op": "eq", "value": "svc"},
            "action": {"set_price": {currency: str(draw(money(currency)))}},
        },
    )
    return request, ruleset


@st.composite
def priced_carts(draw: st.DrawFn) -> PricingResult:
    """A priced random cart, with a header discount (percent or amount up to the net) or none."""
    request, ruleset = draw(carts())
    kind = draw(st.sampled_from(["none", "percent", "amount"]))
    if kind == "none":
        return price(request, ruleset)
    if kind == "percent":
        header: dict[str, object] = {"percent": str(draw(percent))}
    else:
        net = price(request, ruleset).totals.net_total
        header = {"amount": str(draw(st.decimals(min_value=_ZERO, max_value=net)))}
    with_header = PricingRequest.model_validate({**request.model_dump(), "header_discount": header})
    return price(with_header, ruleset)


def _half_unit_per_unit(line_quantity: int, currency: str) -> Decimal:
    return quantum(currency) / 2 * line_quantity


def _trace_discounts(line: PricedLine) -> dict[str, Decimal]:
    """What the trace says each step took off the line: (before - after) x quantity."""
    taken: dict[str, Decimal] = {}
    for step in line.trace[1:]:
        if step.step is not PricingStep.ROUNDING:
            key = step.step.value
            taken[key] = taken.get(key, _ZERO) + (step.before - step.after) * line.quantity
    return taken


@SETTINGS
@given(priced_carts())
def test_every_line_reconciles_step_by_step(result: PricingResult) -> None:
    currency = result.currency
    q = quantum(currency)
    for line in result.lines:
        by_step = line.discounts_by_step
        assert line.extended_list - sum(by_step.values(), _ZERO) == line.line_total
        assert line.line_total == line.extended_net - line.header_discount
        assert abs(by_step["rounding"]) <= _half_unit_per_unit(line.quantity, currency)
        # The net a customer sees: unit net x quantity, within half a minor unit per unit.
        assert abs(line.extended_net - line.unit_net * line.quantity) <= q / 2 * line.quantity
        for amount in (*by_step.values(), line.extended_net, line.line_total):
            assert amount == round_money(amount, currency)
        traced = _trace_discounts(line)
        assert set(by_step) - {"rounding", "header_discount"} == set(traced)
        for key, exact in traced.items():
            assert abs(by_step[key] - exact) <= q + _TIGHT, key
        assert by_step.get("header_discount", _ZERO) == line.header_discount


@SETTINGS
@given(priced_carts())
def test_every_quote_reconciles_and_sums_its_lines(result: PricingResult) -> None:
    totals = result.totals
    lines = result.lines
    discounts = totals.discounts_by_step
    assert totals.list_total - sum(discounts.values(), _ZERO) == totals.net_total
    assert totals.net_total == sum((ln.line_total for ln in lines), _ZERO)
    for key, amount in discounts.items():
        assert amount == sum((ln.discounts_by_step.get(key, _ZERO) for ln in lines), _ZERO)
    quantity = sum(ln.quantity for ln in lines)
    assert abs(discounts["rounding"]) <= _half_unit_per_unit(quantity, result.currency)
    order = [s.value for s in PricingStep]
    assert list(discounts) == sorted(discounts, key=order.index)
