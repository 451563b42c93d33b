"""Credit holds for orders: the conditional hold that is a checkout's last write, and its ledger entry.

On PostgreSQL a hold is one statement: an UPDATE of the credit line that adds the hold only if it
still fits the committed totals (it waits for and then keeps the row lock until commit) and the
INSERT of the ledger entry from what that UPDATE returned, so a hold that does not fit writes
nothing. On SQLite the engine's BEGIN IMMEDIATE already serialises writers.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from functools import cache
from typing import Any

from sqlalchemy import bindparam, insert, update
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, select

from order_core.actors import Actor
from order_core.credit.models import CreditLedgerEntry, CreditLine
from order_core.credit.services import ledger_row
from order_core.rowbatch import table_of
from order_core.types import MoneyType

_LINE = table_of(CreditLine)
_LEDGER = table_of(CreditLedgerEntry)


def hold_for_order(
    session: Session,
    partner_id: int,
    currency: str,
    order_id: int,
    reference: str,
    amount: Decimal,
    actor: Actor,
    on_hold: Callable[[], None],
) -> bool:
    """Hold ``amount`` for an order if it fits, writing what the hold causes (``on_hold``) with it.

    ``on_hold``'s writes (the order's submission) go to the database first inside a savepoint,
    then ``hold_credit`` as the last write; if the credit no longer fits, the savepoint is rolled
    back and False returned. The credit line stays locked only for the hold and the commit.
    """
    savepoint = session.begin_nested()
    on_hold()
    session.flush()
    if not hold_credit(
        session, partner_id, currency, amount, actor, order_id=order_id, reference=reference
    ):
        savepoint.rollback()
        return False
    savepoint.commit()
    return True


@cache
def _hold_statement() -> Any:
    # UPDATE the line if the hold still fits, and INSERT the ledger entry from what it returns.
    held = (
        update(_LINE)
        .where(
            # Not named like a column: SQLAlchemy would take such keys as SET values.
            _LINE.c.partner_id == bindparam("line_partner"),
            _LINE.c.currency == bindparam("line_currency"),
            _LINE.c.active.is_(True),
            _LINE.c.credit_limit - _LINE.c.outstanding - _LINE.c.held
            >= bindparam("amount", type_=MoneyType()),
        )
        .values(
            held=_LINE.c.held + bindparam("amount", type_=MoneyType()),
            updated_at=bindparam("at", type_=_LINE.c.updated_at.type),
        )
        .returning(_LINE.c.id, _LINE.c.held)
        .cte("held")
    )
    columns = ("credit_line_id", "kind", "amount", "order_id", "reference", "actor", "note", "at")
    values = [held.c.id] + [bindparam(c, type_=_LEDGER.c[c].type) for c in columns[1:]]
    return (
        insert(_LEDGER)
        .from_select(columns, select(*values))
        .add_cte(held)
        .returning(_LEDGER.c.credit_line_id, select(held.c.held).scalar_subquery())
    )


def hold_credit(
    session: Session,
    partner_id: int,
    currency: str,
    amount: Decimal,
    actor: Actor,
    *,
    order_id: int,
    reference: str,
) -> bool:
    """Hold ``amount`` on the partner's active ``currency`` line of credit if it fits; False if not.

    The ledger entry is written with the hold, nothing when it does not fit (no line, another
    currency, inactive, or not enough room: ``peek_credit_line`` tells which). PostgreSQL: one
    statement whose UPDATE waits for the row lock and re-checks the room on the committed totals
    (exact NUMERIC arithmetic); the row then stays locked until commit, so make this the
    transaction's last write. SQLite: BEGIN IMMEDIATE already serialises writers; read, check in
    exact Decimals, update.
    """
    entry = ledger_row(0, "hold", amount, actor, order_id=order_id, reference=reference)
    if session.get_bind().dialect.name == "postgresql":
        params = {k: v for k, v in entry.items() if k not in ("credit_line_id", "invoice_id")}
        params.update(line_partner=partner_id, line_currency=currency)
        row = session.connection().execute(_hold_statement(), params).first()
        if row is None:
            return False
        # Keep a copy of the line already in this session in step with the row (no reload).
        loaded = session.identity_map.get(session.identity_key(CreditLine, row[0]))
        if loaded is not None:
            set_committed_value(loaded, "held", row[1])
            set_committed_value(loaded, "updated_at", entry["at"])
        return True
    stmt = select(CreditLine).where(CreditLine.partner_id == partner_id)
    line = session.exec(stmt.execution_options(populate_existing=True)).first()
    if line is None or line.currency != currency or not line.active or amount > line.available:
        return False
    assert line.id is not None
    line.held += amount
    line.updated_at = entry["at"]
    session.add(line)
    session.connection().execute(insert(_LEDGER), {**entry, "credit_line_id": line.id})
    return True
