"""The deal tables: deal registrations and opportunities, and their line items, as the CRM sync writes them."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from order_core.types import MoneyType, UtcDateTime, utcnow


class Deal(SQLModel, table=True):
    """A deal registration or opportunity, unique by (source CRM, CRM id)."""

    __tablename__ = "deal"
    __table_args__ = (UniqueConstraint("source", "crm_id"),)

    id: int | None = Field(default=None, primary_key=True)
    source: str = Field(max_length=30)
    crm_id: str = Field(max_length=64)
    kind: str = Field(default="opportunity", max_length=20)  # opportunity | registration
    partner_id: int | None = Field(default=None, foreign_key="partner.id", index=True)
    end_customer_id: int | None = Field(default=None, foreign_key="end_customer.id", index=True)
    name: str = Field(max_length=255)
    stage: str = Field(default="", max_length=80)
    amount: Decimal | None = Field(default=None, sa_column=Column(MoneyType(), nullable=True))
    currency: str = Field(default="USD", max_length=3)
    close_date: date | None = None
    registration_status: str | None = Field(
        default=None, max_length=12
    )  # pending|approved|rejected|expired
    registration_expires_on: date | None = None
    registration_discount_percent: Decimal | None = Field(
        default=None, sa_column=Column(MoneyType(), nullable=True)
    )
    # Comma-separated SKUs / categories the registration covers (empty: every product).
    registration_scope: str = Field(
        default="", sa_column=Column(Text, nullable=False, server_default="")
    )
    quote_requested: bool = Field(default=False, index=True)
    crm_modified_at: datetime | None = Field(
        default=None, sa_column=Column(UtcDateTime(), nullable=True)
    )
    # Comma-separated names of the fields the CRM owns (pulls may overwrite only these).
    crm_owned_fields: str = Field(
        default="", sa_column=Column(Text, nullable=False, server_default="")
    )
    deleted_in_crm: bool = False
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UtcDateTime(), nullable=False)
    )
    updated_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UtcDateTime(), nullable=False)
    )


class DealLine(SQLModel, table=True):
    """A line item of a deal as the CRM holds it (product, quantity, price), unique by (source, CRM id).

    Deleted with the CRM's line item; a quote built from the deal starts from these lines.
    """

    __tablename__ = "deal_line"
    __table_args__ = (UniqueConstraint("source", "crm_id"),)

    id: int | None = Field(default=None, primary_key=True)
    deal_id: int = Field(foreign_key="deal.id", index=True)
    source: str = Field(max_length=30)
    crm_id: str = Field(max_length=64)
    sku: str = Field(max_length=64)
    quantity: Decimal = Field(sa_column=Column(MoneyType(), nullable=False))
    unit_price: Decimal | None = Field(default=None, sa_column=Column(MoneyType(), nullable=True))
    discount_percent: Decimal | None = Field(
        default=None, sa_column=Column(MoneyType(), nullable=True)
    )
    position: int | None = None
    description: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    updated_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UtcDateTime(), nullable=False)
    )
