"""Checkout's per-call read cache: repeated catalog reads run once, and nothing outlives the call."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

from sqlalchemy import event
from sqlmodel import Session, col, select

from order_core.credit.models import CreditLine
from order_core.orders.checkout import CartItem, place_order
from order_core.orders.models import OrderStatusChange
from order_core.orders.readcache import cached_reads
from order_core.outbox import OutboxEvent
from order_core.partners.models import Program
from order_core.partners.programs import active_programs
from tests.order_core.orders.world import World


@contextmanager
def statements(session: Session) -> Iterator[list[str]]:
    """Collect the SQL statements the session's connection sends while inside."""
    seen: list[str] = []
    engine = session.get_bind()

    def listener(*args: Any) -> None:
        seen.append(str(args[2]))

    event.listen(engine, "before_cursor_execute", listener)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", listener)


def _program_reads(seen: list[str]) -> int:
    return sum(1 for s in seen if s.lstrip().upper().startswith("SELECT") and "FROM program" in s)


def test_repeated_catalog_read_runs_once_inside_and_again_after(
    session: Session, world: World
) -> None:
    with statements(session) as seen:
        with cached_reads(session):
            first = active_programs(session, world.partner_a)
            again = active_programs(session, world.partner_a)
            other = active_programs(session, world.partner_b)
        after = active_programs(session, world.partner_a)
    assert [p.code for p in first] == [p.code for p in again] == ["RESELLER"]
    assert [p.code for p in other] == ["RESELLER"]
    assert [p.code for p in after] == ["RESELLER"]
    # partner_a inside (once), partner_b inside (other parameters), partner_a after the block.
    assert _program_reads(seen) == 3


def test_cache_does_not_outlive_the_block(session: Session, world: World) -> None:
    with cached_reads(session):
        assert [p.code for p in active_programs(session, world.partner_a)] == ["RESELLER"]
    program = session.get(Program, world.program)
    assert program is not None
    program.active = False
    session.add(program)
    session.flush()
    with cached_reads(session):
        assert active_programs(session, world.partner_a) == []
    session.rollback()


def test_locking_reads_are_never_served_from_the_cache(session: Session, world: World) -> None:
    stmt = select(CreditLine).where(CreditLine.partner_id == world.partner_a)
    with statements(session) as seen, cached_reads(session):
        session.exec(stmt).one()
        session.exec(stmt).one()
    credit_reads = [s for s in seen if "FROM credit_line" in s]
    assert len(credit_reads) == 2  # credit_line is not a read-only table: both reads go out
    session.rollback()


def test_checkout_reads_programs_once_and_writes_history_and_events_in_order(
    session: Session, world: World
) -> None:
    actor = world.actor(session, world.buyer)
    session.commit()
    with statements(session) as seen:
        order = place_order(
            session=session,
            actor=actor,
            lines=[CartItem("LIC-1", 2), CartItem("HW-1", 1)],
            payment_method="credit_line",
        )
    assert order.status == "submitted"
    assert _program_reads(seen) == 2  # the memberships once, and all program codes once
    history = session.exec(
        select(OrderStatusChange)
        .where(OrderStatusChange.order_id == order.id)
        .order_by(col(OrderStatusChange.id))
    ).all()
    assert [(h.from_status, h.to_status) for h in history] == [
        (None, "draft"),
        ("draft", "submitted"),
    ]
    events = session.exec(
        select(OutboxEvent)
        .where(OutboxEvent.aggregate_id == order.number)
        .order_by(col(OutboxEvent.id))
    ).all()
    assert [e.topic for e in events] == ["crm.order", "prm.webhook", "notify.email"]
    assert events[1].data()["event"] == "order.submitted"
    assert events[2].data()["to"] == ["buyer@alpha.example"]
    line = session.exec(select(CreditLine).where(CreditLine.partner_id == world.partner_a)).one()
    assert line.held == order.net_total + order.tax_estimate
    assert line.held > Decimal(0)
