"""Accruals from invoiced or paid orders and clawbacks from credit notes, in chunks, each exactly once.

Invoices are read in keyset chunks and the orders already accrued looked up per chunk (no
anti-join whose plan would go stale as the ledger grows within the run). An order accrues in the period of its invoice (or payment), or, when that period is already
closed, in the period being run (a late invoice). A refund's credit note claws back the same
share of the order's base: inside the accrual's period while it is still open (less volume),
otherwise in the refund's period (or the period being run, when that one is closed too) at the
accrual's frozen amount, never by rewriting a closed period.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Row, and_, exists, select
from sqlmodel import Session

from order_core.bulk_sql import one_of, refresh_statistics
from order_core.commissions.models import IncentiveEntry, IncentiveProgram
from order_core.commissions.periods import period_of
from order_core.invoices.models import CreditNote, Invoice
from order_core.licenses.models import SubscriptionTerm
from order_core.orders.models import Order
from order_core.renewals.models import Renewal
from order_core.rowbatch import insert_rows, table_of
from order_core.types import utcnow
from quote_engine.money import round_money

CHUNK = 500
_ENTRIES = table_of(IncentiveEntry)
_E = _ENTRIES.c
_I = table_of(Invoice).c
_O = table_of(Order).c
_CN = table_of(CreditNote).c


def _accrued(session: Session, program_id: int, order_ids: list[int]) -> set[int]:
    stmt = select(_E.order_id).where(
        _E.program_id == program_id, _E.kind == "accrual", one_of(session, _E.order_id, order_ids)
    )
    return set(session.execute(stmt).scalars())


def _candidates(session: Session, program: IncentiveProgram, end: date) -> Iterator[list[Row[Any]]]:
    assert program.id is not None
    day = _I.issued_on
    where: list[Any] = [_I.issued_on <= end]
    if program.accrue_on == "paid":
        day = _I.paid_at
        where = [_I.paid_at.is_not(None), _I.paid_at < datetime.combine(end + timedelta(days=1), time(), UTC)]  # fmt: skip
    if program.kind == "distributor_commission":
        where.append(_O.distributor_id.is_not(None))
    if program.kind == "renewal_commission":
        terms = table_of(SubscriptionTerm).c
        where.append(exists().where(terms.order_id == _O.id, terms.kind == "renewal"))
    after = 0
    while True:
        stmt = (
            select(_I.id, _I.order_id, day.label("day"), _O.partner_id, _O.distributor_id, _O.currency, _O.net_total)
            .join_from(table_of(Invoice), table_of(Order), _O.id == _I.order_id)
            .where(*where, _I.id > after)
            .order_by(_I.id)
            .limit(CHUNK)
        )  # fmt: skip
        rows = list(session.execute(stmt))
        if not rows:
            return
        after = rows[-1].id
        done = _accrued(session, program.id, [r.order_id for r in rows])
        fresh = [r for r in rows if r.order_id not in done]
        if fresh:
            yield fresh


def _resale_bases(session: Session, order_ids: list[int]) -> dict[int, Decimal]:
    r = table_of(Renewal).c
    stmt = select(r.order_id, r.resale_total).where(r.order_id.in_(order_ids))
    return {row.order_id: row.resale_total for row in session.execute(stmt)}


def accrue(
    session: Session, program: IncentiveProgram, period: str, end: date, closed: set[str]
) -> int:
    """Write the program's missing accruals up to ``end``; how many."""
    assert program.id is not None
    count = 0
    for rows in _candidates(session, program, end):
        resale = {}
        if program.kind == "renewal_commission" and program.base == "resale":
            resale = _resale_bases(session, [r.order_id for r in rows])
        now = utcnow()
        entries = []
        for r in rows:
            day = r.day.date() if isinstance(r.day, datetime) else r.day
            natural = period_of(day)
            entries.append({
                "source_key": f"acc:{program.id}:{r.order_id}",
                "program_id": program.id,
                "partner_id": r.distributor_id if program.kind == "distributor_commission" else r.partner_id,
                "period": period if natural in closed else natural,
                "kind": "accrual", "order_id": r.order_id, "credit_note_id": None,
                "currency": r.currency, "base": resale.get(r.order_id, r.net_total),
                "amount": None, "created_at": now,
            })  # fmt: skip
        insert_rows(session, [(_ENTRIES, entries)])
        count += len(entries)
    refresh_statistics(session, count, "incentive_entry")
    return count


def claw_back(
    session: Session, program: IncentiveProgram, period: str, end: date, closed: set[str]
) -> int:
    """Write the program's missing clawbacks for credit notes up to ``end``; how many."""
    assert program.id is not None
    clawed = set(
        session.execute(
            select(_E.credit_note_id).where(_E.program_id == program.id, _E.kind == "clawback")
        ).scalars()
    )
    stmt = (
        select(
            _CN.id, _CN.amount, _CN.issued_on, _I.total.label("invoice_total"),
            _E.partner_id, _E.period, _E.base, _E.amount.label("accrued"), _E.order_id, _E.currency,
        )
        .join_from(table_of(CreditNote), table_of(Invoice), _I.id == _CN.invoice_id)
        .join(_ENTRIES, and_(_E.order_id == _CN.order_id, _E.program_id == program.id, _E.kind == "accrual"))
        .where(_CN.issued_on <= end)
        .order_by(_CN.id)
    )  # fmt: skip
    now = utcnow()
    entries = []
    for r in session.execute(stmt):
        if r.id in clawed:
            continue
        share = r.amount / r.invoice_total if r.invoice_total else Decimal(1)
        base = round_money(r.base * share, r.currency)
        if r.period not in closed:
            target, amount = r.period, None  # less volume in the accrual's own, still open, period
        else:
            natural = period_of(r.issued_on)
            target = period if natural in closed else natural
            amount = -round_money((r.accrued or Decimal(0)) * share, r.currency)
        entries.append({
            "source_key": f"claw:{program.id}:{r.id}", "program_id": program.id,
            "partner_id": r.partner_id, "period": target, "kind": "clawback",
            "order_id": r.order_id, "credit_note_id": r.id, "currency": r.currency,
            "base": -base, "amount": amount, "created_at": now,
        })  # fmt: skip
    insert_rows(session, [(_ENTRIES, entries)])
    return len(entries)
