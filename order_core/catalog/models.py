"""Tables for the catalog: products, list prices, buy prices, authorization rules, resellers' price books."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import BigInteger, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from order_core.types import MoneyType


class Product(SQLModel, table=True):
    """A sellable product; subscriptions carry a term in months, licensed products a license type."""

    __tablename__ = "product"

    id: int | None = Field(default=None, primary_key=True)
    sku: str = Field(max_length=64, unique=True)
    name: str = Field(max_length=200)
    category: str = Field(default="", max_length=80, index=True)
    product_group: str = Field(default="", max_length=80, index=True)
    kind: str = Field(default="perpetual", max_length=20)  # perpetual | subscription
    term_months: int | None = None
    license_type: str | None = Field(default=None, max_length=20)  # None = no license key
    active: bool = True


class ListPrice(SQLModel, table=True):
    """The list price of a product in one currency."""

    __tablename__ = "list_price"
    __table_args__ = (UniqueConstraint("product_id", "currency"),)

    id: int | None = Field(default=None, primary_key=True)
    product_id: int = Field(foreign_key="product.id", index=True)
    currency: str = Field(max_length=3)
    amount: Decimal = Field(sa_column=Column(MoneyType(), nullable=False))


class BuyPrice(SQLModel, table=True):
    """A partner buy price: fixed (per SKU and currency) or percent off list, scoped by program and/or tier.

    The quote engine picks the most specific one: a fixed SKU price beats a percent off list.
    """

    __tablename__ = "buy_price"

    id: int | None = Field(default=None, primary_key=True)
    program_id: int | None = Field(default=None, foreign_key="program.id", index=True)
    tier: str | None = Field(default=None, max_length=40)
    product_id: int | None = Field(default=None, foreign_key="product.id", index=True)
    currency: str | None = Field(default=None, max_length=3)
    fixed_price: Decimal | None = Field(default=None, sa_column=Column(MoneyType(), nullable=True))
    percent_off: Decimal | None = Field(default=None, sa_column=Column(MoneyType(), nullable=True))


class AuthorizationRule(SQLModel, table=True):
    """Allow or deny products for a program (or one partner) by category, product group or SKU.

    ``scope`` is one of all | category | group | sku; an explicit deny beats any allow.
    """

    __tablename__ = "authorization_rule"

    id: int | None = Field(default=None, primary_key=True)
    program_id: int | None = Field(default=None, foreign_key="program.id", index=True)
    partner_id: int | None = Field(default=None, foreign_key="partner.id", index=True)
    effect: str = Field(default="allow", max_length=5)  # allow | deny
    scope: str = Field(default="category", max_length=10)
    value: str = Field(default="", max_length=80)


class CatalogStamp(SQLModel, table=True):
    """One row whose value changes with every write to the catalog and partner read model.

    Checkout validates its per-process snapshot of catalog reads against it (see
    ``order_core.catalog.version``).
    """

    __tablename__ = "catalog_stamp"

    id: int = Field(default=1, primary_key=True)
    value: int = Field(sa_column=Column(BigInteger(), nullable=False))


class ResalePrice(SQLModel, table=True):
    """A reseller's price book entry: how it prices a SKU, a category or (scope ``all``) everything.

    ``method`` is list (the vendor's list price), markup (``percent`` on the reseller's unit buy
    price) or discount (``percent`` off list). A SKU entry beats a category entry beats ``all``;
    without any entry the resale price is the list price.
    """

    __tablename__ = "resale_price"
    __table_args__ = (UniqueConstraint("partner_id", "scope", "value"),)

    id: int | None = Field(default=None, primary_key=True)
    partner_id: int = Field(foreign_key="partner.id", index=True)
    scope: str = Field(max_length=10)  # all | category | sku
    value: str = Field(default="", max_length=80)
    method: str = Field(max_length=10)  # list | markup | discount
    percent: Decimal | None = Field(default=None, sa_column=Column(MoneyType(), nullable=True))


class ResaleRounding(SQLModel, table=True):
    """The step a reseller rounds its resale prices to in one currency (e.g. JPY 100)."""

    __tablename__ = "resale_rounding"
    __table_args__ = (UniqueConstraint("partner_id", "currency"),)

    id: int | None = Field(default=None, primary_key=True)
    partner_id: int = Field(foreign_key="partner.id", index=True)
    currency: str = Field(max_length=3)
    step: Decimal = Field(sa_column=Column(MoneyType(), nullable=False))
