"""Tables for end customers and their association with resellers (reseller of record and history)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from order_core.types import UtcDateTime, utcnow


class EndCustomer(SQLModel, table=True):
    """An end customer company; deduplicated by normalized email, domain or CRM id."""

    __tablename__ = "end_customer"
    __table_args__ = (UniqueConstraint("crm_source", "crm_id"),)

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200, index=True)
    email: str | None = Field(default=None, max_length=254)
    email_normalized: str | None = Field(default=None, max_length=254, index=True)
    domain: str | None = Field(default=None, max_length=200, index=True)
    phone: str | None = Field(default=None, max_length=40)
    country: str | None = Field(default=None, max_length=2)
    region: str | None = Field(default=None, max_length=80)
    city: str | None = Field(default=None, max_length=120)
    address: str | None = Field(default=None, max_length=400)
    postal_code: str | None = Field(default=None, max_length=20)
    segment: str | None = Field(default=None, max_length=40)
    crm_source: str | None = Field(default=None, max_length=30)
    crm_id: str | None = Field(default=None, max_length=64)
    reseller_of_record_id: int | None = Field(default=None, foreign_key="partner.id", index=True)
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UtcDateTime(), nullable=False)
    )
    updated_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UtcDateTime(), nullable=False)
    )


class CustomerAssociation(SQLModel, table=True):
    """A reseller's association with an end customer, from ``since`` (how it began: deal, order, import)."""

    __tablename__ = "customer_association"
    __table_args__ = (UniqueConstraint("customer_id", "partner_id"),)

    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key="end_customer.id", index=True)
    partner_id: int = Field(foreign_key="partner.id", index=True)
    since: datetime = Field(default_factory=utcnow, sa_column=Column(UtcDateTime(), nullable=False))
    origin: str = Field(default="order", max_length=20)
    last_activity_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UtcDateTime(), nullable=False, index=True)
    )
