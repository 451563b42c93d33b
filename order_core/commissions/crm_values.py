"""What the CRM push sends about a partner's commission statements: the latest one and the year to date.

A partner's CRM account shows one statement: its latest (the latest period; of several currencies
in it, the one changed last) with its period's state (open, approved, paid) and the year-to-date
total of that currency (the statements of the period's year up to it, added in ``Decimal``).
Nothing here knows a CRM.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from sqlmodel import Session, col, select

from order_core.bulk_sql import one_of
from order_core.commissions.models import CommissionPeriod, CommissionStatement
from order_core.pushback.snapshots import Values, crm_ids


@dataclass(frozen=True)
class StatementSnap:
    """A partner's latest statement as one connection receives it (its account's CRM id there)."""

    partner_id: int
    partner_crm_id: str | None
    values: Values


def _latest(statements: Sequence[CommissionStatement]) -> CommissionStatement:
    return max(statements, key=lambda s: (s.period, s.updated_at, s.currency))


def statement_snapshots(
    session: Session, source: str, partner_ids: Sequence[int]
) -> dict[int, StatementSnap]:
    """Partners by id with their latest statement, as connection ``source`` knows them (a partner
    without statements is left out)."""
    by_partner: dict[int, list[CommissionStatement]] = {}
    stmt = select(CommissionStatement).where(
        one_of(session, col(CommissionStatement.partner_id), partner_ids)
    )
    for statement in session.exec(stmt):
        by_partner.setdefault(statement.partner_id, []).append(statement)
    accounts = crm_ids(session, source, "partner", sorted(by_partner))
    periods = sorted({s.period for ss in by_partner.values() for s in ss})
    states = dict(
        session.exec(
            select(CommissionPeriod.period, CommissionPeriod.state).where(
                one_of(session, col(CommissionPeriod.period), periods)
            )
        ).all()
    )
    out = {}
    for partner_id, statements in by_partner.items():
        last = _latest(statements)
        year = last.period[:4]
        to_date = sum(
            (
                s.total
                for s in statements
                if s.currency == last.currency and s.period[:4] == year and s.period <= last.period
            ),
            Decimal(0),
        )
        values: Values = {
            "period": last.period,
            "state": states.get(last.period, "open"),
            "currency": last.currency,
            "accrued": last.accrued,
            "clawed_back": last.clawed_back,
            "total": last.total,
            "credit": last.credit,
            "year_to_date": to_date,
        }
        out[partner_id] = StatementSnap(partner_id, accounts.get(partner_id), values)
    return out
