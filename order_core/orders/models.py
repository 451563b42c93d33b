"""Tables for orders: header, lines, status history, approvals, templates, and document number counters."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from order_core.types import MoneyType, UtcDateTime, utcnow


class Order(SQLModel, table=True):
    """A partner company's order, placed by one of its authorized buyers."""

    __tablename__ = "sales_order"

    id: int | None = Field(default=None, primary_key=True)
    number: str = Field(max_length=30, unique=True)
    partner_id: int = Field(foreign_key="partner.id", index=True)
    buyer_id: int = Field(foreign_key="buyer.id", index=True)
    end_customer_id: int | None = Field(default=None, foreign_key="end_customer.id", index=True)
    distributor_id: int | None = Field(default=None, foreign_key="partner.id")
    quote_id: int | None = Field(default=None, index=True)
    po_number: str | None = Field(default=None, max_length=80, index=True)
    currency: str = Field(max_length=3)
    payment_method: str = Field(max_length=20)
    card_token_id: int | None = Field(default=None)
    status: str = Field(default="draft", max_length=20, index=True)
    held_from: str | None = Field(default=None, max_length=20)
    list_total: Decimal = Field(sa_column=Column(MoneyType(), nullable=False))
    net_total: Decimal = Field(sa_column=Column(MoneyType(), nullable=False))
    # Tax estimated at checkout (the credit hold covers net + tax); the invoice computes the real tax.
    tax_estimate: Decimal = Field(default=Decimal(0), sa_column=Column(MoneyType(), nullable=False))
    refunded_total: Decimal = Field(
        default=Decimal(0), sa_column=Column(MoneyType(), nullable=False)
    )
    content_hash: str = Field(max_length=64)
    notify_end_customer: bool = False
    notes: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UtcDateTime(), nullable=False, index=True)
    )
    updated_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UtcDateTime(), nullable=False)
    )
    submitted_at: datetime | None = Field(
        default=None, sa_column=Column(UtcDateTime(), nullable=True)
    )


class OrderLine(SQLModel, table=True):
    """One line of an order with the price it was sold at and the price trace that explains it."""

    __tablename__ = "sales_order_line"
    __table_args__ = (UniqueConstraint("order_id", "line_no"),)

    id: int | None = Field(default=None, primary_key=True)
    order_id: int = Field(foreign_key="sales_order.id", index=True)
    line_no: int
    product_id: int = Field(foreign_key="product.id", index=True)
    sku: str = Field(max_length=64, index=True)
    name: str = Field(max_length=200)
    quantity: int
    unit_list: Decimal = Field(sa_column=Column(MoneyType(), nullable=False))
    unit_net: Decimal = Field(sa_column=Column(MoneyType(), nullable=False))
    line_total: Decimal = Field(sa_column=Column(MoneyType(), nullable=False))
    trace: str = Field(default="[]", sa_column=Column(Text, nullable=False))


class OrderStatusChange(SQLModel, table=True):
    """One entry of an order's status history: from, to, when, who and why."""

    __tablename__ = "sales_order_history"

    id: int | None = Field(default=None, primary_key=True)
    order_id: int = Field(foreign_key="sales_order.id", index=True)
    from_status: str | None = Field(default=None, max_length=20)
    to_status: str = Field(max_length=20)
    at: datetime = Field(default_factory=utcnow, sa_column=Column(UtcDateTime(), nullable=False))
    actor: str = Field(max_length=200)
    note: str = Field(default="", sa_column=Column(Text, nullable=False))


class OrderApproval(SQLModel, table=True):
    """One approval step an order needs, bound to the order content hash it was decided on."""

    __tablename__ = "sales_order_approval"
    __table_args__ = (UniqueConstraint("order_id", "step"),)

    id: int | None = Field(default=None, primary_key=True)
    order_id: int = Field(foreign_key="sales_order.id", index=True)
    step: str = Field(max_length=80)
    side: str = Field(max_length=10)  # partner | vendor
    role: str = Field(max_length=40)
    reason: str = Field(default="", sa_column=Column(Text, nullable=False))
    status: str = Field(default="pending", max_length=10)  # pending | approved | rejected | expired
    # How long an approver has once the step is asked, and the deadline of the step being asked.
    expires_after_seconds: int = 259200
    expires_at: datetime | None = Field(
        default=None, sa_column=Column(UtcDateTime(), nullable=True)
    )
    content_hash: str | None = Field(default=None, max_length=64)
    decided_by: str | None = Field(default=None, max_length=200)
    decided_by_email: str | None = Field(default=None, max_length=254)
    decided_at: datetime | None = Field(
        default=None, sa_column=Column(UtcDateTime(), nullable=True)
    )
    note: str = Field(default="", sa_column=Column(Text, nullable=False))


class OrderTemplate(SQLModel, table=True):
    """A named cart saved by a buyer and shared by every buyer of the partner."""

    __tablename__ = "order_template"
    __table_args__ = (UniqueConstraint("partner_id", "name"),)

    id: int | None = Field(default=None, primary_key=True)
    partner_id: int = Field(foreign_key="partner.id", index=True)
    name: str = Field(max_length=120)
    created_by: str = Field(max_length=200)
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UtcDateTime(), nullable=False)
    )


class OrderTemplateLine(SQLModel, table=True):
    """One SKU and quantity of an order template."""

    __tablename__ = "order_template_line"

    id: int | None = Field(default=None, primary_key=True)
    template_id: int = Field(foreign_key="order_template.id", index=True)
    line_no: int
    sku: str = Field(max_length=64)
    quantity: int


class DocumentCounter(SQLModel, table=True):
    """A gapless document number sequence (orders, invoices), advanced under a row lock."""

    __tablename__ = "document_counter"

    name: str = Field(primary_key=True, max_length=40)
    value: int = 0
