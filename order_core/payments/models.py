"""Tables for payment methods allowed per partner / country / currency, and card tokens (never card numbers)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlmodel import Column, Field, SQLModel

from order_core.types import MoneyType, UtcDateTime, utcnow

PAYMENT_METHODS = ("credit_line", "purchase_order", "card", "incentive_credit")


class PaymentMethodRule(SQLModel, table=True):
    """Allows a payment method for one partner (or every partner when null) in some countries / currencies.

    ``countries`` and ``currencies`` are comma-separated ISO codes; empty means any.
    """

    __tablename__ = "payment_method_rule"

    id: int | None = Field(default=None, primary_key=True)
    partner_id: int | None = Field(default=None, foreign_key="partner.id", index=True)
    method: str = Field(max_length=20)
    countries: str = Field(default="", max_length=400)
    currencies: str = Field(default="", max_length=200)
    locale: str | None = Field(default=None, max_length=20)
    label: str = Field(default="", max_length=80)
    active: bool = True


class CardToken(SQLModel, table=True):
    """A card on file, kept only as the payment processor's token reference plus display hints."""

    __tablename__ = "card_token"

    id: int | None = Field(default=None, primary_key=True)
    partner_id: int = Field(foreign_key="partner.id", index=True)
    token_ref: str = Field(max_length=120, unique=True)
    brand: str = Field(default="", max_length=20)
    last4: str = Field(default="", max_length=4)
    expires: str = Field(default="", max_length=7)  # YYYY-MM
    active: bool = True
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UtcDateTime(), nullable=False)
    )


class IncentiveCredit(SQLModel, table=True):
    """A partner's incentive credit with the vendor: granted (paid statements), spent, given back.

    ``amount`` is signed (a grant adds, an order paid with credit takes); ``source_key`` makes
    each grant, spend and return happen once. The balance is the sum, taken in Decimal.
    """

    __tablename__ = "incentive_credit"

    id: int | None = Field(default=None, primary_key=True)
    partner_id: int = Field(foreign_key="partner.id", index=True)
    currency: str = Field(max_length=3)
    amount: Decimal = Field(sa_column=Column(MoneyType(), nullable=False))
    source_key: str = Field(max_length=80, unique=True)
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UtcDateTime(), nullable=False)
    )
