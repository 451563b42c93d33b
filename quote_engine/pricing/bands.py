"""Waterfall steps 5-8 over a line's bands: promotion rules, special price, floor guard, rounding.

A line's units share one running unit price (one band) unless a slab schedule priced them in
several bands at step 4. From there on each band keeps its own unit price: rules, the special
price and the floor apply to every band, and rounding rounds each band's unit net to the
currency, as an invoice listing the bands would. The line's extended net is the exact sum of its
bands; its `unit_net` is that sum / quantity, rounded, for display. Trace steps show the line's
average unit amount (extended / quantity), which is exact for a one-band line.
"""

from __future__ import annotations

from decimal import Decimal
from itertools import starmap
from operator import mul

from quote_engine.money import round_money
from quote_engine.pricing.ruleset import CartRules
from quote_engine.pricing.volume import Band
from quote_engine.types import CartLine, PricingStep, ProductInfo, TraceStep

Bands = tuple[Band, ...]

_ZERO = Decimal(0)
_HUNDRED = Decimal(100)
_RULE = PricingStep.RULE
_SPECIAL = PricingStep.SPECIAL
_FLOOR = PricingStep.FLOOR
_ROUNDING = PricingStep.ROUNDING


def extended(bands: Bands) -> Decimal:
    """Exact extended amount of `bands`: sum of units x unit amount."""
    if len(bands) == 1:
        units, amount = bands[0]
        return amount * units
    return sum(starmap(mul, bands), _ZERO)


class LineSteps:
    """One line's trace, and its exact extended amount after each kind of step, built in order."""

    __slots__ = ("extended", "quantity", "trace")

    def __init__(self, first: TraceStep, quantity: int) -> None:
        """Start with the list-price step of a line of `quantity` units."""
        self.trace = [first]
        self.quantity = quantity
        self.extended: list[tuple[PricingStep, Decimal]] = []
        """(step kind, exact extended amount after the last step of that kind), in order."""

    def add(self, step: TraceStep, exact: Decimal | None = None) -> None:
        """Append `step`; `exact` is the line's extended amount after it (default after x qty).

        Only for a step kind that appears once per line; rules_step records its own.
        """
        self.trace.append(step)
        self.extended.append((step.step, step.after * self.quantity if exact is None else exact))

    def add_bands(
        self, kind: PricingStep, after: Bands, reason: str, rule: str | None = None
    ) -> None:
        """Append a step that took the line's bands from where the last step left them to `after`."""
        before = self.trace[-1].after
        if len(after) == 1:
            self.add(TraceStep(kind, before, after[0][1], reason, rule))
        else:
            exact = extended(after)
            self.add(TraceStep(kind, before, exact / self.quantity, reason, rule), exact)


def rules_step(
    rules: CartRules,
    facts: dict[str, object],
    line: CartLine,
    product: ProductInfo,
    unit_list: Decimal,
    bands: Bands,
    steps: LineSteps,
) -> Bands:
    """Step 5: evaluate the rule set against this line's facts and apply the winners per band.

    `facts` is the cart's facts dict; this line's product/line keys are written into it.
    `line.unit_price` is the (average) unit price entering step 5.
    """
    qty = line.quantity
    facts["product.sku"] = product.sku
    facts["product.category"] = product.category
    facts["product.group"] = product.product_group
    facts["product.kind"] = str.__str__(product.kind)
    facts["product.term_months"] = product.term_months or 0
    facts["line.quantity"] = qty
    facts["line.unit_price"] = steps.trace[-1].after
    facts["line.amount"] = extended(bands)
    facts["line.list_amount"] = unit_list * qty
    currency = str(facts["quote.currency"])
    matched = rules.matching(facts)
    if not matched:
        return bands
    trace = steps.trace
    if len(bands) == 1:  # the common case, kept lean: one running unit amount
        base = amount = bands[0][1]
        for c in matched:
            after = c.apply(base, amount, currency)
            trace.append(TraceStep(_RULE, amount, after, c.reason, c.name))
            amount = after
        steps.extended.append((_RULE, amount * qty))
        return ((qty, amount),)
    units = [Decimal(u) for u, _ in bands]
    bases = [a for _, a in bands]
    amounts = bases
    before = trace[-1].after
    for c in matched:
        apply = c.apply
        amounts = [apply(b, a, currency) for b, a in zip(bases, amounts, strict=True)]
        exact = sum(map(mul, amounts, units), _ZERO)
        after = exact / qty
        trace.append(TraceStep(_RULE, before, after, c.reason, c.name))
        before = after
    steps.extended.append((_RULE, exact))
    return tuple((u, a) for (u, _), a in zip(bands, amounts, strict=True))


def special_step(line: CartLine, bands: Bands, steps: LineSteps) -> Bands:
    """Step 6: a requested special unit price (every unit) or extra discount (every band)."""
    if line.requested_unit_price is not None:
        after: Bands = ((line.quantity, line.requested_unit_price),)
        steps.add_bands(_SPECIAL, after, "requested special price")
        return after
    if line.requested_discount_percent is not None:
        keep = 1 - line.requested_discount_percent / _HUNDRED
        after = tuple((units, amount * keep) for units, amount in bands)
        reason = f"requested extra {line.requested_discount_percent}% off"
        steps.add_bands(_SPECIAL, after, reason)
        return after
    return bands


def floor_step(
    floor: Decimal, approved: bool, bands: Bands, steps: LineSteps
) -> tuple[Bands, bool]:
    """Step 7: raise every band below `floor` to it unless approved; returns (bands, breached)."""
    if all(amount >= floor for _, amount in bands):
        return bands, False
    if approved:
        steps.add_bands(_FLOOR, bands, f"below floor {floor}: approved")
        return bands, True
    after = tuple((units, amount if amount >= floor else floor) for units, amount in bands)
    reason = f"raised to floor {floor}; going lower needs an approval"
    steps.add_bands(_FLOOR, after, reason)
    return after, True


def rounding_step(
    bands: Bands, steps: LineSteps, currency: str, reason: str
) -> tuple[Decimal, Decimal]:
    """Step 8: round each band's unit net half-up; return (unit_net, extended_net).

    The extended net is the exact sum of the rounded bands; the unit net is the extended net /
    quantity rounded (the band's own unit net when there is one band).
    """
    qty = steps.quantity
    if len(bands) == 1:
        amount = bands[0][1]
        unit_net = round_money(amount, currency)
        steps.trace.append(TraceStep(_ROUNDING, amount, unit_net, reason))
        return unit_net, unit_net * qty
    rounded: list[Band] = []
    for units, amount in bands:
        net = round_money(amount, currency)
        if rounded and rounded[-1][1] == net:
            rounded[-1] = (rounded[-1][0] + units, net)
        else:
            rounded.append((units, net))
    extended_net = sum((units * net for units, net in rounded), _ZERO)
    unit_net = round_money(extended_net / qty, currency)
    if len(rounded) > 1:
        parts = " + ".join(f"{units} x {net}" for units, net in rounded)
        reason = (
            f"{reason}, per band: {parts} = {extended_net}; "
            f"unit net = {extended_net} / {qty}, rounded"
        )
    steps.trace.append(TraceStep(_ROUNDING, steps.trace[-1].after, unit_net, reason))
    return unit_net, extended_net
