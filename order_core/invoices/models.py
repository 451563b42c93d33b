"""Tables for invoices and their lines (numbered, taxed, with due date and status)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from order_core.types import MoneyType, UtcDateTime, utcnow


class Invoice(SQLModel, table=True):
    """An invoice issued on fulfillment of an order; status issued | paid | partially_refunded | void."""

    __tablename__ = "invoice"

    id: int | None = Field(default=None, primary_key=True)
    number: str = Field(max_length=30, unique=True)
    order_id: int = Field(foreign_key="sales_order.id", index=True)
    partner_id: int = Field(foreign_key="partner.id", index=True)
    distributor_id: int | None = Field(default=None, foreign_key="partner.id")
    currency: str = Field(max_length=3)
    payment_method: str = Field(max_length=20)
    tax_country: str = Field(max_length=2)
    tax_region: str | None = Field(default=None, max_length=80)
    subtotal: Decimal = Field(sa_column=Column(MoneyType(), nullable=False))
    tax_total: Decimal = Field(sa_column=Column(MoneyType(), nullable=False))
    total: Decimal = Field(sa_column=Column(MoneyType(), nullable=False))
    amount_paid: Decimal = Field(default=Decimal(0), sa_column=Column(MoneyType(), nullable=False))
    amount_refunded: Decimal = Field(
        default=Decimal(0), sa_column=Column(MoneyType(), nullable=False)
    )
    issued_on: date
    due_on: date = Field(index=True)
    status: str = Field(default="issued", max_length=20, index=True)
    issued_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UtcDateTime(), nullable=False)
    )
    paid_at: datetime | None = Field(default=None, sa_column=Column(UtcDateTime(), nullable=True))


class InvoiceLine(SQLModel, table=True):
    """One invoice line: quantity, unit price, net amount, tax rate and tax amount."""

    __tablename__ = "invoice_line"
    __table_args__ = (UniqueConstraint("invoice_id", "line_no"),)

    id: int | None = Field(default=None, primary_key=True)
    invoice_id: int = Field(foreign_key="invoice.id", index=True)
    line_no: int
    sku: str = Field(max_length=64)
    description: str = Field(max_length=200)
    quantity: int
    unit_price: Decimal = Field(sa_column=Column(MoneyType(), nullable=False))
    net_amount: Decimal = Field(sa_column=Column(MoneyType(), nullable=False))
    tax_rate: Decimal = Field(sa_column=Column(MoneyType(), nullable=False))
    tax_amount: Decimal = Field(sa_column=Column(MoneyType(), nullable=False))


class CreditNote(SQLModel, table=True):
    """A credit note for money refunded on an invoice (``CN-2026-000001``), dated the day of the refund."""

    __tablename__ = "credit_note"

    id: int | None = Field(default=None, primary_key=True)
    number: str = Field(max_length=30, unique=True)
    invoice_id: int = Field(foreign_key="invoice.id", index=True)
    order_id: int = Field(foreign_key="sales_order.id", index=True)
    partner_id: int = Field(foreign_key="partner.id", index=True)
    currency: str = Field(max_length=3)
    amount: Decimal = Field(sa_column=Column(MoneyType(), nullable=False))
    reason: str = Field(default="", max_length=500)
    issued_on: date = Field(index=True)
    issued_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UtcDateTime(), nullable=False)
    )
