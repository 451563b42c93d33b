"""Tax calculation behind a small protocol; the default looks rates up in a country / country-region table."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Protocol

from order_core.errors import invalid
from quote_engine.money import quantum


@dataclass(frozen=True)
class TaxableLine:
    """One line to tax: SKU, product category and net amount."""

    sku: str
    category: str
    net_amount: Decimal


@dataclass(frozen=True)
class LineTax:
    """The rate applied to a line and the tax amount (rounded to the currency's minor units)."""

    rate: Decimal
    amount: Decimal


class TaxCalculator(Protocol):
    """Anything that can tax invoice lines for a place and currency (plug in a tax service here)."""

    def tax_lines(
        self, *, country: str, region: str | None, currency: str, lines: Sequence[TaxableLine]
    ) -> list[LineTax]:
        """One LineTax per input line, in order."""
        ...


class RateTableTaxCalculator:
    """Rates per ``CC-REGION`` (e.g. ``US-CA``) falling back to ``CC``; an unknown place is refused."""

    def __init__(self, rates: Mapping[str, Decimal]) -> None:
        self._rates = {k.upper(): Decimal(v) for k, v in rates.items()}

    def rate_for(self, country: str, region: str | None) -> Decimal:
        """The rate for the place, most specific first."""
        keys = [f"{country}-{region}".upper()] if region else []
        keys.append(country.upper())
        for key in keys:
            if key in self._rates:
                return self._rates[key]
        raise invalid(
            f"tax for {'-'.join(k for k in (country, region) if k)}",
            "tax_rates",
            f"no rate for {' or '.join(keys)}; add it to CHANNELSYNC_TAX_RATES",
        )

    def tax_lines(
        self, *, country: str, region: str | None, currency: str, lines: Sequence[TaxableLine]
    ) -> list[LineTax]:
        """Tax each line at the place's rate, half-up to the currency's minor units."""
        rate = self.rate_for(country, region)
        q = quantum(currency)
        return [
            LineTax(rate, (ln.net_amount * rate).quantize(q, rounding=ROUND_HALF_UP))
            for ln in lines
        ]


_installed: list[TaxCalculator] = []


def use_tax_calculator(calculator: TaxCalculator | None) -> None:
    """Install the calculator invoices and checkout estimates use (None: back to the rate table)."""
    _installed.clear()
    if calculator is not None:
        _installed.append(calculator)


def default_tax_calculator() -> TaxCalculator:
    """The installed calculator, else the rate-table calculator configured from settings."""
    if _installed:
        return _installed[0]
    from order_core.settings import get_settings

    return RateTableTaxCalculator(get_settings().tax_rates)
