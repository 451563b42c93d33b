"""The core's one check of currency codes and money amounts, against quote_engine's minor-units table.

A currency is valid when quote_engine can price in it (ISO 4217, upper case, listed in
``quote_engine.money.MINOR_UNITS``); an amount is valid when it is a finite Decimal, not below
zero, with no more decimals than its currency has (a USD price of 10.005 would be rounded
differently by every reader). Every service that takes a currency or an amount uses these.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from order_core.errors import Problem, ValidationFailed
from quote_engine.money import MINOR_UNITS, is_supported_currency, minor_units, quantum


def _currency_reason(code: object, hint: str = "") -> str:
    return (
        f"{code!r} is not a supported ISO 4217 currency code{hint}; use e.g. USD, EUR or JPY "
        f"(one of {len(MINOR_UNITS)} codes)"
    )


def currency_problem(where: str, code: object, field: str = "currency") -> Problem | None:
    """A Problem unless ``code`` is exactly a supported ISO 4217 code (upper case, e.g. USD)."""
    if isinstance(code, str) and is_supported_currency(code):
        return None
    upper = isinstance(code, str) and is_supported_currency(code.strip().upper())
    return Problem(where, field, _currency_reason(code, " in upper case" if upper else ""))


def check_currency(where: str, code: str, field: str = "currency") -> str:
    """``code`` stripped and in upper case when that is a supported currency, else ValidationFailed."""
    normalized = code.strip().upper() if isinstance(code, str) else code
    if not isinstance(normalized, str) or not is_supported_currency(normalized):
        raise ValidationFailed(
            f"{where} is not valid", [Problem(where, field, _currency_reason(code))]
        )
    return normalized


def amount_problem(
    where: str, field: str, amount: object, currency: str | None = None
) -> Problem | None:
    """A Problem unless ``amount`` is a finite Decimal >= 0 within the minor units of ``currency``.

    Without a (supported) currency only the first part is checked.
    """
    if not isinstance(amount, Decimal) or not amount.is_finite() or amount < 0:
        shown = str(amount) if isinstance(amount, Decimal) else repr(amount)
        return Problem(where, field, f"{shown} is not an amount >= 0")
    if currency is None or not is_supported_currency(currency):
        return None
    try:
        fits = amount.quantize(quantum(currency)) == amount
    except InvalidOperation:  # more digits than a Decimal context holds: not a price either
        fits = False
    if fits:
        return None
    places = minor_units(currency)
    has = "no decimals" if places == 0 else f"{places} decimal{'s' if places > 1 else ''}"
    fix = "a whole number" if places == 0 else has
    return Problem(
        where, field, f"{amount} has more decimals than {currency} has ({has}); round it to {fix}"
    )


def check_amount(where: str, field: str, amount: Decimal, currency: str | None = None) -> Decimal:
    """``amount`` when ``amount_problem`` finds nothing wrong with it, else ValidationFailed."""
    problem = amount_problem(where, field, amount, currency)
    if problem is not None:
        raise ValidationFailed(f"{where} is not valid", [problem])
    return amount
