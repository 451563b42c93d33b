"""Extended amounts, the header discount spread pro rata (remainder on the last line), totals."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import NamedTuple

from quote_engine.errors import PricingError
from quote_engine.money import quantum, round_money
from quote_engine.types import (
    CartLine,
    HeaderDiscount,
    PricedLine,
    PricingResult,
    PricingStep,
    QuoteTotals,
    TraceStep,
)

_ZERO = Decimal(0)
_HUNDRED = Decimal(100)
_PCT = Decimal("0.01")
_ZERO_PCT = Decimal("0.00")


class LineOutcome(NamedTuple):
    """What the waterfall produced for one line, before extension and header discount."""

    line: CartLine
    unit_list: Decimal
    unit_buy: Decimal
    unit_net: Decimal
    extended_net: Decimal
    """The exact sum of the line's bands, each at its unit net (unit_net x quantity for one)."""
    floor: Decimal | None
    breached: bool
    approved: bool
    trace: tuple[TraceStep, ...]
    extended_after: tuple[tuple[PricingStep, Decimal], ...]
    """(step kind, the line's exact extended amount after the last step of that kind), in
    waterfall order; list and rounding excluded. Each kind appears once."""


def header_amount(header: HeaderDiscount | None, net: Decimal, currency: str) -> Decimal:
    """The header discount in money, rounded to minor units; never more than the net."""
    if header is None:
        return _ZERO
    if header.percent is not None:
        return round_money(net * header.percent / _HUNDRED, currency)
    assert header.amount is not None
    amount = round_money(header.amount, currency)
    if amount > net:
        raise PricingError(
            f"header_discount field amount: {amount} {currency} exceeds the quote net "
            f"{net} {currency}; lower the amount or use a percent"
        )
    return amount


def spread(total: Decimal, weights: Sequence[Decimal], currency: str) -> list[Decimal]:
    """Split `total` pro rata to `weights`, rounded half-up; the last share takes the remainder."""
    if not weights:
        return []
    whole = sum(weights, _ZERO)
    if whole == 0 or total == 0:
        shares = [_ZERO] * len(weights)
        shares[-1] = total
        return shares
    shares = [round_money(total * w / whole, currency) for w in weights[:-1]]
    shares.append(total - sum(shares, _ZERO))
    return shares


def _percent(part: Decimal, whole: Decimal) -> Decimal:
    return (part * _HUNDRED / whole).quantize(_PCT) if whole else _ZERO


_BUY_STEPS = frozenset({PricingStep.BUY.value, PricingStep.DISTRIBUTOR.value})


def _beyond_buy(extended_buy: Decimal, line_total: Decimal) -> Decimal:
    if not extended_buy:
        return _ZERO
    # `or`: a net a fraction above a full-precision buy price gives "-0.00"; show "0.00".
    return ((extended_buy - line_total) * _HUNDRED / extended_buy).quantize(_PCT) or _ZERO_PCT


def extra_discount_percent(unit_buy: Decimal, quantity: int, line_total: Decimal) -> Decimal:
    """(unit_buy - line_total / quantity) / unit_buy x 100, 2 places; 0 when unit_buy is 0."""
    return _beyond_buy(unit_buy * quantity, line_total)


def stored_extra_discount_percent(
    trace_json: str, unit_list: Decimal, quantity: int, line_total: Decimal
) -> Decimal:
    """`extra_discount_percent` of a stored line, its unit buy price read off its JSON trace.

    The buy price is the amount after the `buy_price` and `distributor_terms` steps; a trace
    without them (a line not priced by the waterfall) counts from `unit_list`, the stricter view.
    """
    unit_buy = unit_list
    for step in json.loads(trace_json):
        if isinstance(step, dict) and step.get("step") in _BUY_STEPS:
            unit_buy = Decimal(str(step["after"]))
    return extra_discount_percent(unit_buy, quantity, line_total)


_ORDER = {step.value: i for i, step in enumerate(PricingStep)}
_ROUNDING = PricingStep.ROUNDING.value
_HEADER = PricingStep.HEADER.value


def line_discounts(
    outcome: LineOutcome, extended_list: Decimal, header_share: Decimal | None, currency: str
) -> dict[str, Decimal]:
    """What each waterfall step took off one line, in money; they sum to list - line total.

    Each step's discount is the line's extended amount before it minus after it, both rounded
    to minor units, so the steps telescope from `extended_list` exactly and no rounding piles
    up across steps. `rounding` is what rounding each unit net (per band) changed: at most half
    a minor unit per unit. `header_discount` is the line's share, when the quote has one.
    """
    discounts: dict[str, Decimal] = {}
    before = extended_list
    cent = quantum(currency)
    for kind, exact in outcome.extended_after:
        after = exact.quantize(cent, ROUND_HALF_UP)  # round_money, inlined: hot path
        discounts[kind.value] = before - after
        before = after
    discounts[_ROUNDING] = before - outcome.extended_net
    if header_share is not None:
        discounts[_HEADER] = header_share
    return discounts


def _sum_by_step(lines: Sequence[PricedLine]) -> dict[str, Decimal]:
    total: dict[str, Decimal] = {}
    for ln in lines:
        for key, amount in ln.discounts_by_step.items():
            total[key] = total.get(key, _ZERO) + amount
    return {key: total[key] for key in sorted(total, key=_ORDER.__getitem__)}


def build_result(
    outcomes: Sequence[LineOutcome],
    header: HeaderDiscount | None,
    currency: str,
    today: date,
    fingerprint: str,
) -> PricingResult:
    """Extend lines, spread the header discount, and total everything exactly.

    The quote's `discounts_by_step` are the sums of its lines' (each exact in money).
    """
    extended = [o.extended_net for o in outcomes]
    net_before = sum(extended, _ZERO)
    header_total = header_amount(header, net_before, currency)
    shares = spread(header_total, extended, currency)
    lines: list[PricedLine] = []
    list_total = buy_total = _ZERO
    for no, (o, ext, share) in enumerate(zip(outcomes, extended, shares, strict=True), 1):
        qty = o.line.quantity
        ext_list = round_money(o.unit_list * qty, currency)
        list_total += ext_list
        ext_buy = o.unit_buy * qty
        buy_total += round_money(ext_buy, currency)
        line_total = ext - share
        lines.append(
            PricedLine(
                line_no=no,
                line_id=o.line.line_id,
                sku=o.line.sku,
                quantity=qty,
                unit_list=o.unit_list,
                unit_buy=o.unit_buy,
                unit_net=o.unit_net,
                extended_list=ext_list,
                extended_net=ext,
                header_discount=share,
                line_total=line_total,
                discount_percent=_percent(ext_list - line_total, ext_list),
                extra_discount_percent=_beyond_buy(ext_buy, line_total),
                floor_price=o.floor,
                floor_breached=o.breached,
                floor_approved=o.approved,
                discounts_by_step=line_discounts(
                    o, ext_list, share if header is not None else None, currency
                ),
                trace=o.trace,
            )
        )
    net_total = net_before - header_total
    margin = net_total - buy_total
    totals = QuoteTotals(
        currency=currency,
        list_total=list_total,
        buy_total=buy_total,
        discounts_by_step=_sum_by_step(lines),
        net_total=net_total,
        margin=margin,
        margin_percent=_percent(margin, net_total) if net_total else None,
        max_line_discount_percent=max(ln.discount_percent for ln in lines),
        max_line_extra_discount_percent=max(ln.extra_discount_percent for ln in lines),
        floor_breaches=sum(1 for ln in lines if ln.floor_breached),
    )
    return PricingResult(
        currency=currency,
        priced_on=today,
        lines=tuple(lines),
        totals=totals,
        rules_fingerprint=fingerprint,
        needs_floor_approval=any(ln.floor_breached and not ln.floor_approved for ln in lines),
    )
