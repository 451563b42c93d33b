"""Renders quote and invoice documents to HTML with Jinja2 (autoescaped) and Babel locale formatting."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from functools import lru_cache

from babel.dates import format_date
from babel.numbers import format_currency, format_decimal, format_percent
from jinja2 import Environment, PackageLoader, StrictUndefined

from quote_engine.documents.invoice import InvoiceDocument
from quote_engine.documents.model import QuoteDocument


@lru_cache(maxsize=1)
def _environment() -> Environment:
    return Environment(
        loader=PackageLoader("quote_engine.documents", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def money(amount: Decimal, currency: str, locale: str) -> str:
    """``amount`` formatted for ``locale`` with the currency's own digits (JPY 0, USD 2, BHD 3)."""
    return format_currency(amount, currency, locale=locale, currency_digits=True)


def day(value: date, locale: str) -> str:
    """A date in the locale's long format (``November 27, 2026``, ``27. November 2026``)."""
    return format_date(value, format="long", locale=locale)


def number(value: Decimal | int, locale: str) -> str:
    """A plain number in the locale's format."""
    return format_decimal(value, locale=locale)


def _helpers(currency: str, loc: str) -> dict[str, Callable[..., str] | str]:
    return {
        "money": lambda amount: money(amount, currency, loc),
        "day": lambda value: day(value, loc),
        "number": lambda value: number(value, loc),
        "percent": lambda rate: format_percent(rate, locale=loc, decimal_quantization=False),
        "lang": loc.split("_")[0],
    }


def render_quote_html(document: QuoteDocument) -> str:
    """The end customer's quote as a self-contained HTML page (pure: same document, same HTML)."""
    template = _environment().get_template("quote.html.j2")
    return template.render(doc=document, **_helpers(document.currency, document.locale))


def render_invoice_html(document: InvoiceDocument) -> str:
    """An invoice as a self-contained HTML page (pure: same document, same HTML)."""
    template = _environment().get_template("invoice.html.j2")
    return template.render(doc=document, **_helpers(document.currency, document.locale))
