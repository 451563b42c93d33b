"""Tables for renewals: one renewal quote per subscription term, and the notices sent for it."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from order_core.types import MoneyType, UtcDateTime, utcnow


class Renewal(SQLModel, table=True):
    """The renewal quote of one subscription term (``reference`` ``RN-<subscription>-<term end>``).

    Priced by the subscription's method when the first notice window is entered: the end
    customer sees ``unit_resale`` / ``resale_total``, the reseller also ``unit_buy`` /
    ``buy_total`` and its margin. ``state``: open, renewed, lapsed or cancelled.
    """

    __tablename__ = "renewal"
    __table_args__ = (UniqueConstraint("subscription_id", "term_end"),)

    id: int | None = Field(default=None, primary_key=True)
    reference: str = Field(max_length=40, unique=True)
    subscription_id: int = Field(foreign_key="subscription.id", index=True)
    partner_id: int = Field(foreign_key="partner.id", index=True)
    distributor_id: int | None = Field(default=None, foreign_key="partner.id")
    end_customer_id: int | None = Field(default=None, foreign_key="end_customer.id")
    product_id: int = Field(foreign_key="product.id")
    sku: str = Field(max_length=64)
    term_end: date = Field(index=True)
    new_term_end: date
    seats: int
    currency: str = Field(max_length=3)
    method: str = Field(max_length=8)
    unit_list: Decimal = Field(sa_column=Column(MoneyType(), nullable=False))
    unit_buy: Decimal = Field(sa_column=Column(MoneyType(), nullable=False))
    unit_resale: Decimal = Field(sa_column=Column(MoneyType(), nullable=False))
    buy_total: Decimal = Field(sa_column=Column(MoneyType(), nullable=False))
    resale_total: Decimal = Field(sa_column=Column(MoneyType(), nullable=False))
    state: str = Field(default="open", max_length=10, index=True)
    last_notice_days: int | None = None
    order_id: int | None = Field(default=None, foreign_key="sales_order.id")
    renewed_by: str | None = Field(default=None, max_length=200)
    renewed_email: str | None = Field(default=None, max_length=254)
    po_number: str | None = Field(default=None, max_length=80)
    renewed_at: datetime | None = Field(
        default=None, sa_column=Column(UtcDateTime(), nullable=True)
    )
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UtcDateTime(), nullable=False)
    )


class RenewalNotice(SQLModel, table=True):
    """One notice window's e-mails for a renewal; its link token is kept only as an HMAC."""

    __tablename__ = "renewal_notice"
    __table_args__ = (UniqueConstraint("renewal_id", "days"),)

    id: int | None = Field(default=None, primary_key=True)
    renewal_id: int = Field(foreign_key="renewal.id", index=True)
    days: int
    token_hash: str = Field(max_length=64)
    sent_on: date
