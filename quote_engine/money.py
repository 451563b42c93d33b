"""Currency minor units (ISO 4217) and the one rounding rule quote_engine uses: half-up."""

from __future__ import annotations

from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal

from quote_engine.errors import UnknownCurrencyError

# ISO 4217 minor units for the currencies a channel quote realistically uses.
# Currencies not listed are refused rather than guessed.
MINOR_UNITS: dict[str, int] = {
    "AED": 2, "ARS": 2, "AUD": 2, "BGN": 2, "BHD": 3, "BRL": 2, "CAD": 2, "CHF": 2,
    "CLP": 0, "CNY": 2, "COP": 2, "CZK": 2, "DKK": 2, "EGP": 2, "EUR": 2, "GBP": 2,
    "HKD": 2, "HUF": 2, "IDR": 2, "ILS": 2, "INR": 2, "ISK": 0, "JOD": 3, "JPY": 0,
    "KRW": 0, "KWD": 3, "LYD": 3, "MXN": 2, "MYR": 2, "NOK": 2, "NZD": 2, "OMR": 3,
    "PEN": 2, "PHP": 2, "PLN": 2, "QAR": 2, "RON": 2, "SAR": 2, "SEK": 2, "SGD": 2,
    "THB": 2, "TND": 3, "TRY": 2, "TWD": 2, "UAH": 2, "USD": 2, "VND": 0, "ZAR": 2,
}  # fmt: skip

_QUANTA: dict[str, Decimal] = {
    code: Decimal(1).scaleb(-units) for code, units in MINOR_UNITS.items()
}


def minor_units(currency: str) -> int:
    """Return the number of decimal places of `currency` (e.g. JPY 0, USD 2, BHD 3)."""
    try:
        return MINOR_UNITS[currency]
    except KeyError:
        raise UnknownCurrencyError(
            f"currency {currency!r} is not a supported ISO 4217 code; "
            f"use one of {', '.join(sorted(MINOR_UNITS))}"
        ) from None


def quantum(currency: str) -> Decimal:
    """Return the smallest amount of `currency` as a Decimal (USD -> 0.01, JPY -> 1)."""
    q = _QUANTA.get(currency)
    if q is None:
        minor_units(currency)  # raises the descriptive error
    return _QUANTA[currency]


def round_money(amount: Decimal, currency: str) -> Decimal:
    """Round `amount` to the minor units of `currency`, half-up (away from zero on .5)."""
    return amount.quantize(quantum(currency), rounding=ROUND_HALF_UP)


def round_up_money(amount: Decimal, currency: str) -> Decimal:
    """Round `amount` up (toward +infinity) to the minor units of `currency`; used for floors."""
    return amount.quantize(quantum(currency), rounding=ROUND_CEILING)


def is_supported_currency(currency: str) -> bool:
    """Tell whether `currency` is in the minor-units table."""
    return currency in MINOR_UNITS
