"""Tables for issued license keys, subscriptions (what renewing needs) and the orders of their terms."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy import Column
from sqlmodel import Field, SQLModel

from order_core.types import MoneyType, UtcDateTime, utcnow


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
    status: str = Field(default="active", max_length=12)  # active | revoked | expired
    issued_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UtcDateTime(), nullable=False)
    )


class Subscription(SQLModel, table=True):
    """A subscription bought on an order: term, seats, prices, reseller of record and distributor.

    ``unit_price`` is the reseller's buy price per seat for the current term, ``resale_unit_price``
    the end customer's. ``pricing_method`` says how a renewal is priced: ``same`` (the current
    prices), ``list`` (today's prices) or ``uplift`` (the current prices plus ``uplift_percent``).
    ``order_id`` is the order it came from, ``renewed_order_id`` the order that last renewed it.
    """

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
    status: str = Field(default="active", max_length=12)  # active | cancelled | expired
    term_months: int = Field(default=12, sa_column_kwargs={"server_default": "12"})
    currency: str = Field(default="USD", max_length=3, sa_column_kwargs={"server_default": "USD"})
    unit_price: Decimal = Field(
        default=Decimal(0), sa_column=Column(MoneyType(), nullable=False, server_default="0")
    )
    resale_unit_price: Decimal = Field(
        default=Decimal(0), sa_column=Column(MoneyType(), nullable=False, server_default="0")
    )
    auto_renew: bool = Field(default=False, sa_column_kwargs={"server_default": sa.false()})
    pricing_method: str = Field(  # same | list | uplift
        default="same", max_length=8, sa_column_kwargs={"server_default": "same"}
    )
    uplift_percent: Decimal | None = Field(
        default=None, sa_column=Column(MoneyType(), nullable=True)
    )
    renewed_order_id: int | None = Field(default=None, foreign_key="sales_order.id")
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UtcDateTime(), nullable=False)
    )


class SubscriptionTerm(SQLModel, table=True):
    """An order line that renewed a subscription or added seats to it (no new subscription for it).

    ``kind`` is ``renewal`` or ``add_seats``; seats added mid-term end with the subscription's term.
    """

    __tablename__ = "subscription_term"

    id: int | None = Field(default=None, primary_key=True)
    subscription_id: int = Field(foreign_key="subscription.id", index=True)
    order_id: int = Field(foreign_key="sales_order.id", index=True)
    order_line_id: int | None = Field(default=None, foreign_key="sales_order_line.id")
    kind: str = Field(max_length=10)
    term_start: date
    term_end: date
    seats: int
    unit_price: Decimal = Field(sa_column=Column(MoneyType(), nullable=False))
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UtcDateTime(), nullable=False)
    )
