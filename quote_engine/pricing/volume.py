"""Waterfall step 4: volume breaks (range or slab) and which schedule applies to a product."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from quote_engine.pricing.steps import price_in
from quote_engine.types import (
    ExchangeRates,
    PricingStep,
    ProductInfo,
    TraceStep,
    VolumeBand,
    VolumeMode,
    VolumeSchedule,
)

_HUNDRED = Decimal(100)


@dataclass(frozen=True, slots=True)
class Schedules:
    """Volume schedules usable by one partner program, by scope (sku > group > category)."""

    by_sku: dict[str, VolumeSchedule]
    by_group: dict[str, VolumeSchedule]
    by_category: dict[str, VolumeSchedule]
    universal: VolumeSchedule | None

    def for_product(self, product: ProductInfo) -> VolumeSchedule | None:
        """The schedule for `product`: SKU scope beats group, group beats category."""
        return (
            self.by_sku.get(product.sku)
            or self.by_group.get(product.product_group)
            or self.by_category.get(product.category)
            or self.universal
        )


def schedules_for(schedules: tuple[VolumeSchedule, ...], program: str) -> Schedules:
    """Index the schedules open to `program`; the first declared wins within a scope."""
    by_sku: dict[str, VolumeSchedule] = {}
    by_group: dict[str, VolumeSchedule] = {}
    by_category: dict[str, VolumeSchedule] = {}
    universal: VolumeSchedule | None = None
    for s in schedules:
        if s.programs and program not in s.programs:
            continue
        for sku in s.skus:
            by_sku.setdefault(sku, s)
        for group in s.product_groups:
            by_group.setdefault(group, s)
        for category in s.categories:
            by_category.setdefault(category, s)
        if not (s.skus or s.product_groups or s.categories) and universal is None:
            universal = s
    return Schedules(by_sku, by_group, by_category, universal)


def _band_price(
    band: VolumeBand, amount: Decimal, currency: str, rates: ExchangeRates | None, sid: str
) -> Decimal:
    if band.percent_off is not None:
        return amount * (1 - band.percent_off / _HUNDRED)
    assert band.unit_prices is not None
    price, _, _ = price_in(
        band.unit_prices,
        currency,
        rates,
        f"volume schedule {sid!r} band {band.min_quantity} field unit_prices",
        f"add unit_prices.{currency} or an exchange rate to {currency}",
    )
    # A volume break never raises a price.
    return price if price < amount else amount


Band = tuple[int, Decimal]
"""(units, unit amount): units of one line that share one running unit price."""


def volume_step(
    amount: Decimal,
    quantity: int,
    schedule: VolumeSchedule,
    currency: str,
    rates: ExchangeRates | None,
) -> tuple[TraceStep, tuple[Band, ...]] | None:
    """Step 4: range (all units at the reached band) or slab (each unit in its band).

    Returns the trace step and the line's bands: one for a range schedule, one per band the
    quantity reaches for a slab (units below the first band stay at `amount`). The step's
    `after` is the average unit amount; the bands carry the exact prices.
    """
    bands = schedule.bands
    sid = schedule.schedule_id
    if quantity < bands[0].min_quantity:
        return None
    if schedule.mode is VolumeMode.RANGE:
        band = next(b for b in reversed(bands) if b.min_quantity <= quantity)
        after = _band_price(band, amount, currency, rates, sid)
        reason = f"range band from {band.min_quantity} units"
        return TraceStep(PricingStep.VOLUME, amount, after, reason, rule=sid), ((quantity, after),)
    below = bands[0].min_quantity - 1
    priced: list[Band] = [(below, amount)] if below else []
    parts = [f"1-{below}@{amount}"] if below else []
    for i, band in enumerate(bands):
        upper = bands[i + 1].min_quantity - 1 if i + 1 < len(bands) else quantity
        units = min(quantity, upper) - band.min_quantity + 1
        if units <= 0:
            break
        price = _band_price(band, amount, currency, rates, sid)
        priced.append((units, price))
        parts.append(f"{band.min_quantity}-{band.min_quantity + units - 1}@{price}")
    after = sum((u * p for u, p in priced), Decimal(0)) / quantity
    step = TraceStep(PricingStep.VOLUME, amount, after, "slab " + ", ".join(parts), rule=sid)
    return step, tuple(priced)
