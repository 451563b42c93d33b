"""Tables for partner lines of credit and their ledger of holds, releases, charges and payments."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import Column, Text
from sqlmodel import Field, SQLModel

from order_core.types import MoneyType, UtcDateTime, utcnow


class CreditLine(SQLModel, table=True):
    """A partner's line of credit: limit and currency, with running totals kept under a row lock."""

    __tablename__ = "credit_line"

    id: int | None = Field(default=None, primary_key=True)
    partner_id: int = Field(foreign_key="partner.id", unique=True)
    currency: str = Field(max_length=3)
    credit_limit: Decimal = Field(sa_column=Column(MoneyType(), nullable=False))
    held: Decimal = Field(default=Decimal(0), sa_column=Column(MoneyType(), nullable=False))
    outstanding: Decimal = Field(default=Decimal(0), sa_column=Column(MoneyType(), nullable=False))
    active: bool = True
    updated_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UtcDateTime(), nullable=False)
    )

    @property
    def available(self) -> Decimal:
        """limit - outstanding - holds."""
        return self.credit_limit - self.outstanding - self.held


class CreditLedgerEntry(SQLModel, table=True):
    """One movement on a credit line; the sums per kind always equal the line's running totals."""

    __tablename__ = "credit_ledger_entry"

    id: int | None = Field(default=None, primary_key=True)
    credit_line_id: int = Field(foreign_key="credit_line.id", index=True)
    # hold (+held), release (-held), charge (+outstanding), payment (-outstanding); a charge on
    # invoice comes with the release of the order's hold (``credit.services`` applies them).
    kind: str = Field(max_length=10)
    amount: Decimal = Field(sa_column=Column(MoneyType(), nullable=False))
    order_id: int | None = Field(default=None, index=True)
    invoice_id: int | None = Field(default=None, index=True)
    reference: str = Field(default="", max_length=120)
    actor: str = Field(max_length=200)
    note: str = Field(default="", sa_column=Column(Text, nullable=False))
    at: datetime = Field(default_factory=utcnow, sa_column=Column(UtcDateTime(), nullable=False))
