"""Tables for issued license keys and subscription records (the renewal work starts from these)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Column
from sqlmodel import Field, SQLModel

from order_core.types import UtcDateTime, utcnow


class License(SQLModel, table=True):
    """A signed license key for one licensed order line, assigned to the end customer."""

    __tablename__ = "license"

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=200, unique=True)
    serial: str = Field(max_length=40, unique=True)
    order_id: int = Field(foreign_key="sales_order.id", index=True)
    order_line_id: int = Field(foreign_key="sales_order_line.id", index=True)
    partner_id: int = Field(foreign_key="partner.id", index=True)
    end_customer_id: int | None = Field(default=None, foreign_key="end_customer.id", index=True)
    product_id: int = Field(foreign_key="product.id")
    sku: str = Field(max_length=64)
    license_type: str = Field(max_length=20)
    seats: int
    term_start: date
    term_end: date | None = None
    status: str = Field(default="active", max_length=12)  # active | revoked
    issued_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UtcDateTime(), nullable=False)
    )


class Subscription(SQLModel, table=True):
    """A subscription bought on an order: term, seats, reseller of record and distributor."""

    __tablename__ = "subscription"

    id: int | None = Field(default=None, primary_key=True)
    order_id: int = Field(foreign_key="sales_order.id", index=True)
    order_line_id: int = Field(foreign_key="sales_order_line.id", unique=True)
    product_id: int = Field(foreign_key="product.id")
    sku: str = Field(max_length=64)
    end_customer_id: int | None = Field(default=None, foreign_key="end_customer.id", index=True)
    reseller_id: int = Field(foreign_key="partner.id", index=True)
    distributor_id: int | None = Field(default=None, foreign_key="partner.id")
    license_id: int | None = Field(default=None, foreign_key="license.id")
    seats: int
    term_start: date
    term_end: date = Field(index=True)
    status: str = Field(default="active", max_length=12)  # active | cancelled | renewed | expired
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UtcDateTime(), nullable=False)
    )
