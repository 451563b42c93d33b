"""Tier math: a period volume's incentive under cumulative or marginal tiers, and sharing it out exactly."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from quote_engine.money import round_money

Tier = tuple[Decimal, Decimal]  # (threshold, percent), thresholds ascending from 0


def tiered_amount(volume: Decimal, tiers: Sequence[Tier], mode: str, currency: str) -> Decimal:
    """The incentive on ``volume`` (rounded to the currency); none on a volume of 0 or less.

    ``cumulative``: the percent of the highest tier reached, on the whole volume. ``marginal``:
    each slice between two thresholds at its own tier's percent.
    """
    if volume <= 0 or not tiers:
        return Decimal(0)
    ordered = sorted(tiers)
    if mode == "cumulative":
        percent = max((p for t, p in ordered if volume >= t), default=Decimal(0))
        return round_money(volume * percent / 100, currency)
    total = Decimal(0)
    for i, (threshold, percent) in enumerate(ordered):
        upper = ordered[i + 1][0] if i + 1 < len(ordered) else volume
        if volume <= threshold:
            break
        total += (min(volume, upper) - threshold) * percent / 100
    return round_money(total, currency)


def share_out(total: Decimal, bases: Sequence[Decimal], currency: str) -> list[Decimal]:
    """``total`` shared in proportion to ``bases``, rounded, the remainder on the last: sums exactly."""
    volume = sum(bases, Decimal(0))
    if not bases:
        return []
    if volume == 0:
        return [Decimal(0)] * (len(bases) - 1) + [total]
    shares = [round_money(total * b / volume, currency) for b in bases[:-1]]
    return [*shares, total - sum(shares, Decimal(0))]
