"""`price_resale`: the end customer's price of every priced line, from the reseller's price book.

Pure and deterministic. Per line: the rule (SKU, else category, else default, else list price)
gives a unit price (list; list x (1 - d/100); or unit buy x (1 + m/100), where unit buy is the
line's buy total / quantity), rounded half-up to the price book's step for the currency; then a
program's cap (list x max/100, rounded down) or floor (list x min/100, rounded up) applies.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal

from quote_engine.money import quantum
from quote_engine.resale.types import (
    ResaleLimits,
    ResaleLine,
    ResaleMethod,
    ResalePriceBook,
    ResaleResult,
    ResaleRule,
    ResaleTotals,
    percent_text,
)
from quote_engine.types import PricedLine, PricingResult

_HUNDRED = Decimal(100)
_PCT = Decimal("0.01")


def _to_step(amount: Decimal, step: Decimal, currency: str) -> Decimal:
    """``amount`` rounded half-up to a multiple of ``step``, written in the currency's minor units."""
    return ((amount / step).quantize(Decimal(1), ROUND_HALF_UP) * step).quantize(quantum(currency))


def _percent(part: Decimal, whole: Decimal) -> Decimal | None:
    return (part * _HUNDRED / whole).quantize(_PCT) if whole else None


def _unit_price(rule: ResaleRule, line: PricedLine) -> Decimal:
    if rule.method is ResaleMethod.LIST:
        return line.unit_list
    assert rule.percent is not None
    if rule.method is ResaleMethod.DISCOUNT:
        return line.unit_list * (_HUNDRED - rule.percent) / _HUNDRED
    return line.line_total / line.quantity * (_HUNDRED + rule.percent) / _HUNDRED


def _limit(
    unit: Decimal, unit_list: Decimal, limits: ResaleLimits | None, currency: str
) -> tuple[Decimal, str | None, str]:
    """Apply a program's cap or floor: (unit, "cap" | "floor" | None, what the trace says)."""
    if limits is None:
        return unit, None, ""
    cent = quantum(currency)
    source = f" by {limits.source}" if limits.source else ""
    if limits.max_percent_of_list is not None:
        cap = (unit_list * limits.max_percent_of_list / _HUNDRED).quantize(cent, ROUND_FLOOR)
        if unit > cap:
            return (
                cap,
                "cap",
                f"; capped at {percent_text(limits.max_percent_of_list)}% of list{source}",
            )
    if limits.min_percent_of_list is not None:
        floor = (unit_list * limits.min_percent_of_list / _HUNDRED).quantize(cent, ROUND_CEILING)
        if unit < floor:
            return (
                floor,
                "floor",
                f"; raised to {percent_text(limits.min_percent_of_list)}% of list{source}",
            )
    return unit, None, ""


def price_resale(
    result: PricingResult,
    categories: Mapping[str, str],
    book: ResalePriceBook,
    limits: ResaleLimits | None = None,
) -> ResaleResult:
    """The resale price of each line of ``result`` and the reseller's margin per line and in total.

    ``categories`` maps each SKU to its product category (category rules match on it).
    """
    currency = result.currency
    step = book.step(currency)
    lines: list[ResaleLine] = []
    for line in result.lines:
        rule = book.rule_for(line.sku, categories.get(line.sku, ""))
        unit = _to_step(_unit_price(rule, line), step, currency)
        unit, limited, note = _limit(unit, line.unit_list, limits, currency)
        total = unit * line.quantity
        margin = total - line.line_total
        lines.append(
            ResaleLine(
                line_no=line.line_no,
                sku=line.sku,
                quantity=line.quantity,
                unit_list=line.unit_list,
                unit_resale=unit,
                resale_total=total,
                buy_total=line.line_total,
                margin=margin,
                margin_percent=_percent(margin, total),
                basis=rule.describe() + note,
                limited=limited,
            )
        )
    resale_total = sum((ln.resale_total for ln in lines), Decimal(0))
    buy_total = sum((ln.buy_total for ln in lines), Decimal(0))
    margin = resale_total - buy_total
    totals = ResaleTotals(currency, resale_total, buy_total, margin, _percent(margin, resale_total))
    return ResaleResult(currency=currency, lines=tuple(lines), totals=totals)
