"""Line-of-credit services: set a line, read available credit, and the ledger moves orders and invoices make.

Concurrency: every move locks the partner's credit line row (SELECT ... FOR NO KEY UPDATE on
PostgreSQL; on SQLite the engine's BEGIN IMMEDIATE already serialises writers), checks, then
writes the ledger entry and the running totals, so two orders can never both spend the same
credit. A checkout's hold is one conditional statement instead: ``order_core.credit.holds``.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import Table
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from order_core.actors import Actor, require_partner_access, require_vendor
from order_core.audit import record_audit
from order_core.credit.models import CreditLedgerEntry, CreditLine
from order_core.errors import NotFoundError, invalid
from order_core.money import check_amount, check_currency
from order_core.partners.models import Partner
from order_core.tx import transactional
from order_core.types import utcnow

_LINE: Table = CreditLine.__table__  # type: ignore[attr-defined]
_LEDGER: Table = CreditLedgerEntry.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class CreditStatus:
    """What a buyer sees at checkout: limit, outstanding, holds and what is still available."""

    partner_id: int
    currency: str
    credit_limit: Decimal
    outstanding: Decimal
    held: Decimal
    available: Decimal
    active: bool
    line_id: int


def _status(line: CreditLine) -> CreditStatus:
    assert line.id is not None
    return CreditStatus(
        line_id=line.id,
        partner_id=line.partner_id,
        currency=line.currency,
        credit_limit=line.credit_limit,
        outstanding=line.outstanding,
        held=line.held,
        available=line.available,
        active=line.active,
    )


def lock_credit_line(session: Session, partner_id: int) -> CreditLine | None:
    """The partner's credit line, row-locked until the transaction ends (on PostgreSQL).

    The lock is FOR NO KEY UPDATE: as exclusive as FOR UPDATE against other writers of the row,
    but it does not conflict with the key-share locks that inserting a ledger row (a foreign key
    to this row) takes, so a transaction that wrote its ledger entry first cannot deadlock here.
    """
    stmt = select(CreditLine).where(CreditLine.partner_id == partner_id)
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(key_share=True)
    # populate_existing: a stale identity-map copy must not hide a concurrent writer's totals.
    # no_autoflush: nothing pending concerns this row, so pending inserts wait for one batched flush.
    with session.no_autoflush:
        return session.exec(stmt.execution_options(populate_existing=True)).first()


def ledger_row(
    line_id: int,
    kind: str,
    amount: Decimal,
    actor: Actor,
    *,
    order_id: int | None = None,
    invoice_id: int | None = None,
    reference: str = "",
    note: str = "",
) -> dict[str, Any]:
    """A ledger entry as a table row, for a plain or batched INSERT (the caller moves the totals)."""
    return {
        "credit_line_id": line_id,
        "kind": kind,
        "amount": amount,
        "order_id": order_id,
        "invoice_id": invoice_id,
        "reference": reference,
        "actor": actor.user,
        "note": note,
        "at": utcnow(),
    }


def _move(
    session: Session,
    line: CreditLine,
    kind: str,
    amount: Decimal,
    actor: Actor,
    *,
    order_id: int | None = None,
    invoice_id: int | None = None,
    reference: str = "",
    note: str = "",
) -> CreditLedgerEntry:
    assert line.id is not None
    if kind == "hold":
        line.held += amount
    elif kind == "release":
        line.held -= amount
    elif kind == "charge":
        line.outstanding += amount
    elif kind == "payment":
        line.outstanding -= amount
    else:  # pragma: no cover - programming error
        raise ValueError(f"unknown ledger kind {kind}")
    line.updated_at = utcnow()
    session.add(line)
    row = ledger_row(
        line.id,
        kind,
        amount,
        actor,
        order_id=order_id,
        invoice_id=invoice_id,
        reference=reference,
        note=note,
    )
    entry = CreditLedgerEntry(**row)
    session.add(entry)
    return entry


def try_hold(
    session: Session, line: CreditLine, order_id: int, reference: str, amount: Decimal, actor: Actor
) -> bool:
    """Hold ``amount`` for an order if it fits the available credit (``line`` must be locked)."""
    if not line.active or amount > line.available:
        return False
    _move(session, line, "hold", amount, actor, order_id=order_id, reference=reference)
    return True


def _locked(stmt: SelectOfScalar[CreditLine], session: Session) -> SelectOfScalar[CreditLine]:
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(key_share=True)
    return stmt.execution_options(populate_existing=True)


def peek_credit_line(session: Session, partner_id: int) -> CreditStatus | None:
    """The partner's credit line as committed now, without a lock (for a first, optimistic check)."""
    columns = [_LINE.c[c] for c in ("id", "partner_id", "currency", "credit_limit")]
    columns += [_LINE.c[c] for c in ("outstanding", "held", "active")]
    stmt = select(*columns).where(_LINE.c.partner_id == partner_id)
    row = session.connection().execute(stmt).first()
    if row is None:
        return None
    line_id, partner, currency, limit, outstanding, held, active = row
    return CreditStatus(
        line_id=line_id,
        partner_id=partner,
        currency=currency,
        credit_limit=limit,
        outstanding=outstanding,
        held=held,
        available=limit - outstanding - held,
        active=active,
    )


def open_hold(session: Session, line: CreditLine, order_id: int) -> Decimal:
    """What is still held for an order: its holds minus its releases."""
    assert line.id is not None
    # Sum in Python: money is exact text on SQLite, where SQL SUM would go through float.
    entries = session.exec(
        select(CreditLedgerEntry).where(
            CreditLedgerEntry.credit_line_id == line.id,
            CreditLedgerEntry.order_id == order_id,
            col(CreditLedgerEntry.kind).in_(("hold", "release")),
        )
    )
    return sum((e.amount if e.kind == "hold" else -e.amount for e in entries), Decimal(0))


def release_order_hold(
    session: Session, partner_id: int, order_id: int, reference: str, actor: Actor, note: str
) -> Decimal:
    """Release whatever is still held for an order (cancel); returns the amount released."""
    line = lock_credit_line(session, partner_id)
    if line is None:
        return Decimal(0)
    amount = open_hold(session, line, order_id)
    if amount:
        _move(
            session,
            line,
            "release",
            amount,
            actor,
            order_id=order_id,
            reference=reference,
            note=note,
        )
    return amount


def charge_invoice(
    session: Session,
    partner_id: int,
    order_id: int,
    invoice_id: int,
    reference: str,
    total: Decimal,
    actor: Actor,
) -> None:
    """On invoice: release the order's hold and charge the invoice total to the outstanding balance."""
    line = lock_credit_line(session, partner_id)
    if line is None:
        raise NotFoundError(
            f"partner {partner_id} has no credit line; set one up before invoicing a credit order"
        )
    held = open_hold(session, line, order_id)
    if held:
        _move(
            session,
            line,
            "release",
            held,
            actor,
            order_id=order_id,
            reference=reference,
            note="hold converted to charge",
        )
    _move(
        session,
        line,
        "charge",
        total,
        actor,
        order_id=order_id,
        invoice_id=invoice_id,
        reference=reference,
    )


def apply_payment(
    session: Session,
    partner_id: int,
    invoice_id: int,
    reference: str,
    amount: Decimal,
    actor: Actor,
) -> None:
    """A payment against a credit invoice lowers the outstanding balance."""
    line = lock_credit_line(session, partner_id)
    if line is None:
        raise NotFoundError(f"partner {partner_id} has no credit line")
    _move(session, line, "payment", amount, actor, invoice_id=invoice_id, reference=reference)


@transactional
def set_credit_line(
    partner_id: int,
    credit_limit: Decimal,
    currency: str,
    *,
    session: Session,
    actor: Actor,
    active: bool = True,
) -> CreditStatus:
    """Open or change a partner's line of credit (vendor credit controller)."""
    require_vendor(actor, "credit_controller", action="set credit lines")
    partner = session.get(Partner, partner_id)
    if partner is None:
        raise NotFoundError(f"partner {partner_id} not found")
    where = f"credit line of partner {partner_id}"
    currency = check_currency(where, currency)
    check_amount(where, "credit_limit", credit_limit, currency)
    line = lock_credit_line(session, partner_id)
    if line is None:
        line = CreditLine(partner_id=partner_id, currency=currency, credit_limit=credit_limit)
        before: dict[str, object] = {}
    else:
        if line.currency != currency and (line.held or line.outstanding):
            raise invalid(
                f"credit line of partner {partner_id}",
                "currency",
                f"cannot change from {line.currency} while holds or balances are open",
            )
        before = {
            "credit_limit": line.credit_limit,
            "currency": line.currency,
            "active": line.active,
        }
        line.credit_limit, line.currency = credit_limit, currency
    line.active = active
    line.updated_at = utcnow()
    session.add(line)
    session.flush()
    after = {"credit_limit": credit_limit, "currency": currency, "active": active}
    record_audit(
        session,
        actor,
        "set_credit_line",
        "credit_line",
        line.id,
        {k: [before.get(k), v] for k, v in after.items()},
        partner_id=partner_id,
    )
    return _status(line)


@transactional
def get_credit_status(partner_id: int, *, session: Session, actor: Actor) -> CreditStatus:
    """Limit, outstanding, holds and available credit of a partner (its buyers see only their own)."""
    require_partner_access(actor, partner_id, what=f"credit line of partner {partner_id}")
    line = session.exec(select(CreditLine).where(CreditLine.partner_id == partner_id)).first()
    if line is None:
        raise NotFoundError(f"credit line of partner {partner_id} not found")
    return _status(line)


@transactional
def credit_ledger(partner_id: int, *, session: Session, actor: Actor) -> list[CreditLedgerEntry]:
    """Every ledger entry of a partner's credit line, oldest first."""
    require_partner_access(actor, partner_id, what=f"credit line of partner {partner_id}")
    line = session.exec(select(CreditLine).where(CreditLine.partner_id == partner_id)).first()
    if line is None:
        raise NotFoundError(f"credit line of partner {partner_id} not found")
    stmt = (
        select(CreditLedgerEntry)
        .where(CreditLedgerEntry.credit_line_id == line.id)
        .order_by(col(CreditLedgerEntry.id))
    )
    return list(session.exec(stmt))
