"""Tables for partner companies, programs, memberships, CRM references, distributors and authorized buyers."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from order_core.types import MoneyType, UtcDateTime, utcnow


class Program(SQLModel, table=True):
    """A partner program (e.g. "Reseller Gold"): drives buy prices, authorizations and order rules."""

    __tablename__ = "program"

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=40, unique=True)
    name: str = Field(max_length=200)
    customer_info_required: bool = False
    # Comma-separated EndCustomer fields an order must carry when customer info is required.
    required_customer_fields: str = Field(default="name,email,country", max_length=400)
    active: bool = True
    # Where the program says so, resale prices stay within these percentages of the list price.
    resale_max_percent_of_list: Decimal | None = Field(
        default=None, sa_column=Column(MoneyType(), nullable=True)
    )
    resale_min_percent_of_list: Decimal | None = Field(
        default=None, sa_column=Column(MoneyType(), nullable=True)
    )


class Partner(SQLModel, table=True):
    """A partner company: a reseller or a distributor. All its buyers buy under this account."""

    __tablename__ = "partner"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200, index=True)
    kind: str = Field(default="reseller", max_length=20)  # reseller | distributor
    tier: str = Field(default="Registered", max_length=40)
    country: str = Field(default="US", max_length=2)
    currency: str = Field(default="USD", max_length=3)
    locale: str = Field(default="en_US", max_length=20)
    active: bool = True
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UtcDateTime(), nullable=False)
    )
    updated_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UtcDateTime(), nullable=False)
    )


class ProgramMembership(SQLModel, table=True):
    """A partner's membership of a program between two dates (``ends_on`` open-ended when null)."""

    __tablename__ = "program_membership"

    id: int | None = Field(default=None, primary_key=True)
    partner_id: int = Field(foreign_key="partner.id", index=True)
    program_id: int = Field(foreign_key="program.id", index=True)
    starts_on: date
    ends_on: date | None = None


class PartnerCrmRef(SQLModel, table=True):
    """The partner's id in one CRM (source = salesforce | hubspot | a PRM name)."""

    __tablename__ = "partner_crm_ref"
    __table_args__ = (
        UniqueConstraint("source", "crm_id"),
        UniqueConstraint("partner_id", "source"),
    )

    id: int | None = Field(default=None, primary_key=True)
    partner_id: int = Field(foreign_key="partner.id", index=True)
    source: str = Field(max_length=30)
    crm_id: str = Field(max_length=64)


class DistributorRelation(SQLModel, table=True):
    """A reseller buying through a distributor, optionally with the distributor's terms (percent off buy)."""

    __tablename__ = "distributor_relation"
    __table_args__ = (UniqueConstraint("reseller_id", "distributor_id"),)

    id: int | None = Field(default=None, primary_key=True)
    reseller_id: int = Field(foreign_key="partner.id", index=True)
    distributor_id: int = Field(foreign_key="partner.id", index=True)
    is_default: bool = True
    terms_percent_off: Decimal | None = Field(
        default=None, sa_column=Column(MoneyType(), nullable=True)
    )
    starts_on: date | None = None
    ends_on: date | None = None


class BrandingProfile(SQLModel, table=True):
    """A partner's branding on documents: a reseller's own, a distributor's co-branding.

    ``logo`` is the image itself as a data: URI; ``logo_url`` is kept as given but never
    fetched when a document is rendered.
    """

    __tablename__ = "branding_profile"

    id: int | None = Field(default=None, primary_key=True)
    distributor_id: int = Field(foreign_key="partner.id", unique=True)
    display_name: str = Field(max_length=200)
    logo_url: str | None = Field(default=None, max_length=500)
    logo: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    primary_color: str = Field(default="#1F3A93", max_length=9)
    secondary_color: str = Field(default="#F5F7FA", max_length=9)
    footer_text: str | None = Field(default=None, sa_column=Column(Text, nullable=True))


class PartnerDetails(SQLModel, table=True):
    """What documents print about a partner: address, e-mail, tax id, payment terms and instructions.

    A reseller's are printed on the quotes and invoices it issues to end customers, and as the
    bill-to of the vendor's invoices.
    """

    __tablename__ = "partner_details"

    id: int | None = Field(default=None, primary_key=True)
    partner_id: int = Field(foreign_key="partner.id", unique=True)
    address: str | None = Field(default=None, max_length=400)
    postal_code: str | None = Field(default=None, max_length=20)
    city: str | None = Field(default=None, max_length=120)
    region: str | None = Field(default=None, max_length=80)
    email: str | None = Field(default=None, max_length=254)
    tax_id: str | None = Field(default=None, max_length=40)
    payment_terms_days: int | None = None
    payment_instructions: str | None = Field(default=None, sa_column=Column(Text, nullable=True))


class Buyer(SQLModel, table=True):
    """An authorized buyer of a partner company (role buyer / approver / admin); deactivated, never deleted."""

    __tablename__ = "buyer"
    __table_args__ = (UniqueConstraint("partner_id", "email"),)

    id: int | None = Field(default=None, primary_key=True)
    partner_id: int = Field(foreign_key="partner.id", index=True)
    email: str = Field(max_length=254)
    name: str = Field(max_length=200)
    role: str = Field(default="buyer", max_length=20)
    spending_limit: Decimal | None = Field(
        default=None, sa_column=Column(MoneyType(), nullable=True)
    )
    active: bool = True
    deactivated_at: datetime | None = Field(
        default=None, sa_column=Column(UtcDateTime(), nullable=True)
    )
    substitute_buyer_id: int | None = Field(default=None, foreign_key="buyer.id")
    away_until: date | None = None
