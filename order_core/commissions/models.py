"""Tables of the incentive ledger: programs and tiers, ledger entries, periods and statements."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from order_core.types import MoneyType, UtcDateTime, utcnow


class IncentiveProgram(SQLModel, table=True):
    """A commission, rebate or credit program.

    ``kind``: ``renewal_commission`` (the reseller of record on its customers' renewals, on the
    renewal's ``resale`` or ``buy`` value as ``base`` says), ``distributor_commission`` (the
    distributor on its resellers' purchases), ``rebate`` (a reseller on its own purchases).
    ``accrue_on``: ``invoiced`` or ``paid`` orders; ``tier_mode``: ``cumulative`` (the rate reached
    applies to the whole period volume) or ``marginal`` (each slice at its own rate); ``payout``:
    ``cash`` or ``credit`` (spendable with the vendor).
    """

    __tablename__ = "incentive_program"

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=40, unique=True)
    name: str = Field(max_length=200)
    kind: str = Field(max_length=24)
    base: str = Field(default="buy", max_length=8)
    accrue_on: str = Field(default="invoiced", max_length=10)
    tier_mode: str = Field(default="cumulative", max_length=10)
    payout: str = Field(default="cash", max_length=8)
    active: bool = True


class IncentiveTier(SQLModel, table=True):
    """From ``threshold`` of period volume on, ``percent`` applies (the first tier's threshold is 0)."""

    __tablename__ = "incentive_tier"
    __table_args__ = (UniqueConstraint("program_id", "threshold"),)

    id: int | None = Field(default=None, primary_key=True)
    program_id: int = Field(foreign_key="incentive_program.id", index=True)
    threshold: Decimal = Field(sa_column=Column(MoneyType(), nullable=False))
    percent: Decimal = Field(sa_column=Column(MoneyType(), nullable=False))


class IncentiveEntry(SQLModel, table=True):
    """One ledger line: an order's accrual or a refund's clawback, for a beneficiary in a period.

    ``base`` is the volume it adds (negative for a clawback in the accrual's own period);
    ``amount`` is set when known: at the period's approval (the tiered total shared out by base)
    or, for a clawback of an earlier closed period, at once at that period's effective rate.
    ``source_key`` makes every accrual and clawback happen once.
    """

    __tablename__ = "incentive_entry"

    id: int | None = Field(default=None, primary_key=True)
    source_key: str = Field(max_length=80, unique=True)
    program_id: int = Field(foreign_key="incentive_program.id", index=True)
    partner_id: int = Field(foreign_key="partner.id", index=True)
    period: str = Field(max_length=7, index=True)
    kind: str = Field(max_length=10)  # accrual | clawback
    order_id: int = Field(foreign_key="sales_order.id", index=True)
    credit_note_id: int | None = Field(default=None, foreign_key="credit_note.id", index=True)
    currency: str = Field(max_length=3)
    base: Decimal = Field(sa_column=Column(MoneyType(), nullable=False))
    amount: Decimal | None = Field(default=None, sa_column=Column(MoneyType(), nullable=True))
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UtcDateTime(), nullable=False)
    )


class CommissionPeriod(SQLModel, table=True):
    """A month of the ledger: open, approved (amounts frozen) or paid."""

    __tablename__ = "commission_period"

    period: str = Field(primary_key=True, max_length=7)
    state: str = Field(default="open", max_length=10)
    approved_by: str | None = Field(default=None, max_length=200)
    approved_at: datetime | None = Field(
        default=None, sa_column=Column(UtcDateTime(), nullable=True)
    )
    paid_at: datetime | None = Field(default=None, sa_column=Column(UtcDateTime(), nullable=True))


class CommissionStatement(SQLModel, table=True):
    """A beneficiary's statement of a period and currency: accrued, clawed back, total."""

    __tablename__ = "commission_statement"
    __table_args__ = (UniqueConstraint("partner_id", "period", "currency"),)

    id: int | None = Field(default=None, primary_key=True)
    partner_id: int = Field(foreign_key="partner.id", index=True)
    period: str = Field(max_length=7, index=True)
    currency: str = Field(max_length=3)
    entries: int = 0
    accrued: Decimal = Field(sa_column=Column(MoneyType(), nullable=False))
    clawed_back: Decimal = Field(sa_column=Column(MoneyType(), nullable=False))
    total: Decimal = Field(sa_column=Column(MoneyType(), nullable=False))
    credit: Decimal = Field(
        default=Decimal(0), sa_column=Column(MoneyType(), nullable=False)
    )  # of the total, paid as credit
    updated_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UtcDateTime(), nullable=False)
    )
