"""50 buyers check out at once against one credit line: the ledger is exact and never over the limit."""

from __future__ import annotations

import threading
from decimal import Decimal

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from order_core.credit.models import CreditLedgerEntry, CreditLine
from order_core.db import new_session
from order_core.orders.checkout import CartItem, place_order
from order_core.orders.models import Order, OrderStatusChange
from order_core.outbox import OutboxEvent
from order_core.partners.buyers import buyer_actor
from tests.order_core.orders.world import World

THREADS = 50
UNIT = Decimal("160.00")  # HW-1 at the partner's buy price
FITS = 30


def test_fifty_concurrent_orders_never_overextend_credit(
    engine: Engine, session: Session, world: World
) -> None:
    line = session.exec(select(CreditLine).where(CreditLine.partner_id == world.partner_a)).one()
    line.credit_limit = UNIT * FITS + Decimal("100")  # room for exactly 30 orders
    session.add(line)
    session.commit()
    barrier = threading.Barrier(THREADS)
    errors: list[BaseException] = []
    numbers: list[str] = []
    lock = threading.Lock()

    def buy() -> None:
        s = new_session(engine)
        try:
            actor = buyer_actor(s, world.buyer2)
            s.commit()
            barrier.wait(timeout=60)
            order = place_order(
                session=s, actor=actor, lines=[CartItem("HW-1", 1)], payment_method="credit_line"
            )
            with lock:
                numbers.append(order.number)
        except BaseException as exc:
            with lock:
                errors.append(exc)
        finally:
            s.close()

    threads = [threading.Thread(target=buy) for _ in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=240)
    assert errors == []
    assert len(set(numbers)) == THREADS  # every order got its own number

    session.expire_all()
    orders = session.exec(select(Order)).all()
    by_status: dict[str, int] = {}
    for o in orders:
        by_status[o.status] = by_status.get(o.status, 0) + 1
    assert by_status == {"submitted": FITS, "credit_review": THREADS - FITS}
    entries = session.exec(select(CreditLedgerEntry)).all()
    assert {e.kind for e in entries} == {"hold"} and len(entries) == FITS
    held = sum((e.amount for e in entries), Decimal(0))
    line = session.exec(select(CreditLine).where(CreditLine.partner_id == world.partner_a)).one()
    assert held == line.held == UNIT * FITS
    assert line.held <= line.credit_limit and line.available == Decimal("100")
    submitted = {o.id for o in orders if o.status == "submitted"}
    assert {e.order_id for e in entries} == submitted
    # An order that lost the race after an optimistic start left no trace of "submitted".
    history = session.exec(select(OrderStatusChange)).all()
    assert sorted(h.to_status for h in history) == sorted(
        ["draft"] * THREADS + ["submitted"] * FITS + ["credit_review"] * (THREADS - FITS)
    )
    events = session.exec(select(OutboxEvent).where(OutboxEvent.topic == "crm.order")).all()
    assert sorted(e.data()["status"] for e in events) == sorted(
        ["submitted"] * FITS + ["credit_review"] * (THREADS - FITS)
    )
