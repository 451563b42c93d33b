"""Typed input of a quote document: parties, brands, the end customer's lines and total.

A quote document is what the end customer reads: only resale prices, under the reseller's brand
(and its distributor's co-branding). Logos are embedded data: URIs, never URLs.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import Annotated

from babel import Locale, UnknownLocaleError
from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from quote_engine.documents.images import check_data_uri
from quote_engine.types import CurrencyCode

_COLOUR = re.compile(r"^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")


def _colour(value: str) -> str:
    if not _COLOUR.match(value):
        raise ValueError(f"colour {value!r} is not a hex colour like #1F3A93")
    return value


def _url(value: str | None) -> str | None:
    if value is not None and not value.startswith(("https://", "http://")):
        raise ValueError(f"URL {value!r} must start with https:// or http://")
    return value


def _locale(value: str) -> str:
    try:
        Locale.parse(value)
    except (UnknownLocaleError, ValueError):
        raise ValueError(f"locale {value!r} is unknown; use e.g. en_US, de_DE, ja_JP") from None
    return value


Colour = Annotated[str, AfterValidator(_colour)]
Url = Annotated[str | None, AfterValidator(_url)]
Logo = Annotated[str | None, AfterValidator(check_data_uri)]
LocaleName = Annotated[str, AfterValidator(_locale)]


class _Doc(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Party(_Doc):
    """A seller, issuer or customer as printed on a document."""

    name: str
    address_lines: tuple[str, ...] = ()
    email: str | None = None
    country: str | None = None
    tax_id: str | None = None


class Brand(_Doc):
    """A partner's branding: the seller's own, or its distributor's co-branding."""

    display_name: str = Field(min_length=1)
    logo: Logo = None
    primary_color: Colour = "#1F3A93"
    secondary_color: Colour = "#F5F7FA"
    footer_text: str | None = None


class DocumentLine(_Doc):
    """One line as the end customer sees it: quantity, unit price and total (resale prices)."""

    line_no: int
    sku: str
    name: str = ""
    quantity: int
    unit_price: Decimal
    line_total: Decimal


class QuoteDocument(_Doc):
    """Everything the end customer's quote shows; money in ``currency``, formatted for ``locale``."""

    number: str
    version: int = 1
    issued_on: date
    valid_until: date
    locale: LocaleName = "en_US"
    currency: CurrencyCode
    seller: Party
    customer: Party | None = None
    lines: tuple[DocumentLine, ...] = Field(min_length=1)
    total: Decimal
    brand: Brand | None = None
    """The seller's (reseller's) own branding."""
    branding: Brand | None = None
    """The distributor's co-branding, when the reseller buys through one."""
    payment_terms: str = ""
    acceptance_url: Url = None
    notes: str = ""
