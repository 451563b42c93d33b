"""Typed input of an invoice document: issuer (with tax id), bill-to, taxed lines, terms, instructions."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from pydantic import Field

from quote_engine.documents.model import Brand, LocaleName, Party, _Doc
from quote_engine.types import CurrencyCode


class InvoiceLine(_Doc):
    """One invoice line: quantity, unit price, net amount, tax rate (a fraction) and tax."""

    line_no: int
    sku: str
    description: str = ""
    quantity: int
    unit_price: Decimal
    net_amount: Decimal
    tax_rate: Decimal
    tax_amount: Decimal


class InvoiceDocument(_Doc):
    """Everything an invoice shows: who issues it to whom, the lines, totals and how to pay."""

    number: str
    issued_on: date
    due_on: date
    locale: LocaleName = "en_US"
    currency: CurrencyCode
    issuer: Party
    bill_to: Party
    references: tuple[str, ...] = ()
    """Order, PO and quote numbers the invoice belongs to."""
    lines: tuple[InvoiceLine, ...] = Field(min_length=1)
    subtotal: Decimal
    tax_label: str = "Tax"
    tax_total: Decimal
    total: Decimal
    status: str = "issued"
    payment_terms: str = ""
    payment_instructions: str = ""
    brand: Brand | None = None
    """The issuer's own branding."""
    branding: Brand | None = None
    """A distributor's co-branding."""
