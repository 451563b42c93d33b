"""Tables for quotes: the versioned quote, its priced lines, approval requests, and acceptances."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from order_core.types import MoneyType, UtcDateTime, utcnow


class Quote(SQLModel, table=True):
    """One version of a quote (number ``Q-000001``); a revision is a new row with version n+1.

    ``content`` is the canonical JSON of the quote (terms, priced lines with their traces,
    totals, and the resale side: what the end customer is offered); ``content_hash`` is its
    SHA-256, to which every approval is bound. ``net_total`` is the reseller's buy price (its
    order to the vendor), ``resale_total`` the end customer's price, ``reseller_margin`` the
    difference.
    """

    __tablename__ = "quote"
    __table_args__ = (UniqueConstraint("number", "version"),)

    id: int | None = Field(default=None, primary_key=True)
    number: str = Field(max_length=20, index=True)
    version: int = 1
    partner_id: int = Field(foreign_key="partner.id", index=True)
    end_customer_id: int | None = Field(default=None, foreign_key="end_customer.id", index=True)
    deal_id: int | None = Field(default=None, foreign_key="deal.id", index=True)
    buyer_id: int | None = Field(default=None, foreign_key="buyer.id")
    distributor_id: int | None = Field(default=None, foreign_key="partner.id")
    currency: str = Field(max_length=3)
    locale: str = Field(default="en_US", max_length=20)
    state: str = Field(default="draft", max_length=20, index=True)
    valid_until: date
    cart: str = Field(default="[]", sa_column=Column(Text, nullable=False))
    content: str = Field(default="{}", sa_column=Column(Text, nullable=False))
    content_hash: str = Field(max_length=64)
    list_total: Decimal = Field(sa_column=Column(MoneyType(), nullable=False))
    net_total: Decimal = Field(sa_column=Column(MoneyType(), nullable=False))
    margin: Decimal = Field(sa_column=Column(MoneyType(), nullable=False))
    margin_percent: Decimal | None = Field(
        default=None, sa_column=Column(MoneyType(), nullable=True)
    )
    resale_total: Decimal = Field(sa_column=Column(MoneyType(), nullable=False))
    reseller_margin: Decimal = Field(sa_column=Column(MoneyType(), nullable=False))
    max_line_discount_pct: Decimal = Field(sa_column=Column(MoneyType(), nullable=False))
    max_line_extra_discount_pct: Decimal = Field(
        default=Decimal(0), sa_column=Column(MoneyType(), nullable=False)
    )
    approved_content_hash: str | None = Field(default=None, max_length=64)
    created_by: str = Field(max_length=200)
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UtcDateTime(), nullable=False)
    )
    updated_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UtcDateTime(), nullable=False)
    )
    sent_at: datetime | None = Field(default=None, sa_column=Column(UtcDateTime(), nullable=True))
    document_html: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    acceptance_token_hash: str | None = Field(default=None, max_length=64)
    accepted_by: str | None = Field(default=None, max_length=200)
    accepted_at: datetime | None = Field(
        default=None, sa_column=Column(UtcDateTime(), nullable=True)
    )
    order_id: int | None = Field(default=None, index=True)
    superseded_by_id: int | None = Field(default=None, foreign_key="quote.id")
    copied_from_id: int | None = Field(default=None, foreign_key="quote.id")


class QuoteLine(SQLModel, table=True):
    """A priced line of one quote version (a read model of ``Quote.content``).

    ``unit_net`` / ``line_total`` are the reseller's buy price, ``unit_resale`` /
    ``resale_total`` the end customer's price and ``resale_basis`` how the price book set it.
    """

    __tablename__ = "quote_line"
    __table_args__ = (UniqueConstraint("quote_id", "line_no"),)

    id: int | None = Field(default=None, primary_key=True)
    quote_id: int = Field(foreign_key="quote.id", index=True)
    line_no: int
    product_id: int = Field(foreign_key="product.id")
    sku: str = Field(max_length=64)
    name: str = Field(default="", max_length=200)
    quantity: int
    unit_list: Decimal = Field(sa_column=Column(MoneyType(), nullable=False))
    unit_net: Decimal = Field(sa_column=Column(MoneyType(), nullable=False))
    line_total: Decimal = Field(sa_column=Column(MoneyType(), nullable=False))
    discount_percent: Decimal = Field(sa_column=Column(MoneyType(), nullable=False))
    floor_breached: bool = False
    unit_resale: Decimal = Field(sa_column=Column(MoneyType(), nullable=False))
    resale_total: Decimal = Field(sa_column=Column(MoneyType(), nullable=False))
    resale_basis: str = Field(default="", max_length=400)


class ApprovalRequest(SQLModel, table=True):
    """One approval step of one quote version, bound to the content hash it was asked for.

    ``decision`` is pending, approved, rejected, expired or superseded (the quote changed).
    Steps are decided in ``step_order``; ``activated_at`` is set when a step's turn comes.
    """

    __tablename__ = "quote_approval_request"

    id: int | None = Field(default=None, primary_key=True)
    quote_id: int = Field(foreign_key="quote.id", index=True)
    quote_version: int
    content_hash: str = Field(max_length=64)
    step_order: int
    side: str = Field(max_length=10)  # partner | vendor
    role: str = Field(max_length=40)
    rule: str = Field(max_length=400)
    reason: str = Field(default="", sa_column=Column(Text, nullable=False))
    approver: str = Field(max_length=200)
    approver_buyer_id: int | None = Field(default=None, foreign_key="buyer.id")
    delegated_to: str | None = Field(default=None, max_length=200)
    delegated_buyer_id: int | None = Field(default=None, foreign_key="buyer.id")
    decision: str = Field(default="pending", max_length=12, index=True)
    decided_by: str | None = Field(default=None, max_length=200)
    comment: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    decided_at: datetime | None = Field(
        default=None, sa_column=Column(UtcDateTime(), nullable=True)
    )
    expires_after_seconds: int
    activated_at: datetime | None = Field(
        default=None, sa_column=Column(UtcDateTime(), nullable=True)
    )
    expires_at: datetime | None = Field(
        default=None, sa_column=Column(UtcDateTime(), nullable=True, index=True)
    )
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UtcDateTime(), nullable=False)
    )


class QuoteAcceptance(SQLModel, table=True):
    """The end customer's acceptance of a quote version, with the resale figures it accepted.

    It is also the reseller's invoice to the end customer (``invoice_number``): the resale lines
    with their tax (``lines``, JSON), subtotal, tax and total, due by the reseller's terms. The
    reseller's own order to the vendor (``order_id``) is at buy price.
    """

    __tablename__ = "quote_acceptance"

    id: int | None = Field(default=None, primary_key=True)
    quote_id: int = Field(foreign_key="quote.id", unique=True)
    partner_id: int = Field(foreign_key="partner.id", index=True)
    order_id: int | None = Field(default=None, foreign_key="sales_order.id")
    name: str = Field(max_length=200)
    email: str | None = Field(default=None, max_length=254)
    po_number: str | None = Field(default=None, max_length=80)
    accepted_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UtcDateTime(), nullable=False)
    )
    currency: str = Field(max_length=3)
    lines: str = Field(default="[]", sa_column=Column(Text, nullable=False))
    subtotal: Decimal = Field(sa_column=Column(MoneyType(), nullable=False))
    tax_country: str = Field(max_length=2)
    tax_region: str | None = Field(default=None, max_length=80)
    tax_total: Decimal = Field(sa_column=Column(MoneyType(), nullable=False))
    total: Decimal = Field(sa_column=Column(MoneyType(), nullable=False))
    invoice_number: str = Field(max_length=30, unique=True)
    issued_on: date
    due_on: date


class DealQuoteRequest(SQLModel, table=True):
    """A CRM deal's request for a quote, handled once per (deal, CRM stamp of the request).

    ``outcome`` is ``quoted`` (``quote_id`` names the quote version made) or ``refused``
    (``reason`` says why, and is written back to the deal). The unique key makes a request
    pulled twice, or handled by two workers at once, give one quote.
    """

    __tablename__ = "deal_quote_request"
    __table_args__ = (UniqueConstraint("deal_id", "crm_stamp"),)

    id: int | None = Field(default=None, primary_key=True)
    deal_id: int = Field(foreign_key="deal.id", index=True)
    crm_stamp: datetime = Field(sa_column=Column(UtcDateTime(), nullable=False))
    outcome: str = Field(max_length=12)
    quote_id: int | None = Field(default=None, foreign_key="quote.id")
    reason: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UtcDateTime(), nullable=False)
    )
