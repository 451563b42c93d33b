"""Statements: one per beneficiary, period and currency, built from the ledger; approving freezes amounts.

A program's share of a statement is its tiered amount on the period's volume (the entries
without an amount yet) plus the fixed amounts (clawbacks of closed periods). Sums are taken in
``Decimal`` in Python (money is text on SQLite), so totals are exact to the cent on both
databases. A statement whose total is new or changed goes to the partner's CRM account through
the outbox (``crm.commission_statement``), and so does each statement of a period approved or paid
(the account shows the period's state).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlmodel import Session, col
from sqlmodel import select as sm_select

from order_core.commissions.models import (
    CommissionStatement,
    IncentiveEntry,
    IncentiveProgram,
    IncentiveTier,
)
from order_core.commissions.tiers import Tier, share_out, tiered_amount
from order_core.outbox import EventRow, emit_events
from order_core.rowbatch import table_of
from order_core.types import utcnow

_ENTRIES = table_of(IncentiveEntry)
_E = _ENTRIES.c


@dataclass
class ProgramTerms:
    """A program with its tiers, as the statements need it."""

    program: IncentiveProgram
    tiers: list[Tier]


def program_terms(session: Session) -> dict[int, ProgramTerms]:
    """Every program and its tiers, by id."""
    terms = {p.id or 0: ProgramTerms(p, []) for p in session.exec(sm_select(IncentiveProgram))}
    for tier in session.exec(sm_select(IncentiveTier)):
        terms[tier.program_id].tiers.append((tier.threshold, tier.percent))
    return terms


@dataclass
class Group:
    """The entries of one beneficiary, currency and program in a period."""

    ids: list[int] = field(default_factory=list)
    bases: list[Decimal] = field(default_factory=list)
    fixed: Decimal = Decimal(0)

    def tiered(self, terms: ProgramTerms, currency: str) -> Decimal:
        """The program's tiered amount on the group's volume."""
        volume = sum(self.bases, Decimal(0))
        return tiered_amount(volume, terms.tiers, terms.program.tier_mode, currency)


GroupKey = tuple[int, str, int]  # partner, currency, program


def period_groups(
    session: Session, period: str, partner_id: int | None = None
) -> dict[GroupKey, Group]:
    """The period's entries grouped by beneficiary, currency and program (streamed, Decimal sums)."""
    stmt = select(_E.id, _E.partner_id, _E.currency, _E.program_id, _E.base, _E.amount).where(
        _E.period == period
    )
    if partner_id is not None:
        stmt = stmt.where(_E.partner_id == partner_id)
    groups: dict[GroupKey, Group] = defaultdict(Group)
    for row in session.execute(stmt.order_by(_E.id)).yield_per(2000):
        group = groups[(row.partner_id, row.currency, row.program_id)]
        if row.amount is None:
            group.ids.append(row.id)
            group.bases.append(row.base)
        else:
            group.fixed += row.amount
    return groups


def statement_event(statement: CommissionStatement, state: str) -> EventRow:
    """The ``crm.commission_statement`` event of a statement in its period's ``state``."""
    s = statement
    payload = {
        "partner_id": s.partner_id, "period": s.period, "currency": s.currency,
        "accrued": s.accrued, "clawed_back": s.clawed_back, "total": s.total, "credit": s.credit,
        "state": state,
    }  # fmt: skip
    aggregate_id = f"{s.partner_id}:{s.period}:{s.currency}"
    return ("crm.commission_statement", "commission_statement", aggregate_id, payload, s.partner_id)


def announce_state(session: Session, period: str, state: str) -> int:
    """Emit the ``crm.commission_statement`` event of each of the period's statements (its state
    changed); how many."""
    stmt = sm_select(CommissionStatement).where(CommissionStatement.period == period)
    rows = [
        statement_event(s, state) for s in session.exec(stmt.order_by(col(CommissionStatement.id)))
    ]
    emit_events(session, rows)
    return len(rows)


def build_statements(
    session: Session, period: str, terms: dict[int, ProgramTerms]
) -> tuple[int, int]:
    """Write the period's statements; (statements, how many are new or changed)."""
    totals: dict[tuple[int, str], list[Decimal]] = defaultdict(lambda: [Decimal(0)] * 4)
    counts: dict[tuple[int, str], int] = defaultdict(int)
    for (partner, currency, program), group in period_groups(session, period).items():
        tiered = group.tiered(terms[program], currency)
        beneficiary = (partner, currency)
        figures = totals[beneficiary]
        figures[0] += tiered
        figures[1] += group.fixed
        if terms[program].program.payout == "credit":
            figures[2] += tiered + group.fixed
        counts[beneficiary] += len(group.ids)
    existing = {
        (s.partner_id, s.currency): s
        for s in session.exec(
            sm_select(CommissionStatement).where(CommissionStatement.period == period)
        )
    }
    changed: list[EventRow] = []
    for (partner, currency), (accrued, clawed, credit, _) in sorted(totals.items()):
        statement = existing.get((partner, currency))
        total = accrued + clawed
        if statement is not None and statement.total == total and statement.accrued == accrued:
            continue
        if statement is None:
            statement = CommissionStatement(partner_id=partner, period=period, currency=currency, accrued=accrued, clawed_back=clawed, total=total)  # fmt: skip
        statement.accrued, statement.clawed_back, statement.total = accrued, clawed, total
        statement.credit, statement.entries = credit, counts[(partner, currency)]
        statement.updated_at = utcnow()
        session.add(statement)
        changed.append(statement_event(statement, "open"))
    emit_events(session, changed)
    return len(totals), len(changed)


def freeze_amounts(session: Session, period: str, terms: dict[int, ProgramTerms]) -> int:
    """Give every entry of the period without an amount its share of its program's tiered amount."""
    rows: list[dict[str, Any]] = []
    for (_, currency, program), group in period_groups(session, period).items():
        shares = share_out(group.tiered(terms[program], currency), group.bases, currency)
        rows.extend({"eid": i, "share": s} for i, s in zip(group.ids, shares, strict=True))
    if rows:
        session.execute(
            update(_ENTRIES).where(_E.id == bindparam("eid")).values(amount=bindparam("share")),
            rows,
        )
    return len(rows)


def statement_of(session: Session, partner_id: int, period: str) -> list[CommissionStatement]:
    """A beneficiary's statements of a period (one per currency)."""
    stmt = sm_select(CommissionStatement).where(
        CommissionStatement.partner_id == partner_id, CommissionStatement.period == period
    )
    return list(session.exec(stmt.order_by(col(CommissionStatement.currency))))
