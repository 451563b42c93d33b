"""What checkout reads: values remembered per catalog stamp, shared engine-wide, never stale or owned."""

from __future__ import annotations

from contextlib import suppress
from decimal import Decimal

import pytest
from sqlalchemy import inspect
from sqlmodel import Session, select

from order_core.catalog.snapshot import remembered
from order_core.credit.models import CreditLine
from order_core.db import new_session
from order_core.errors import AccessDenied
from order_core.orders.checkout import CartItem, place_order
from order_core.orders.context import buyer_context
from order_core.partners.models import Buyer, Program
from order_core.types import utcnow
from tests.order_core.orders.world import World, events_of, history_of
from tests.sql_capture import statements


def _program_reads(seen: list[str]) -> int:
    return sum(1 for s in seen if s.lstrip().upper().startswith("SELECT") and "FROM program" in s)


def test_a_value_is_computed_once_per_stamp_for_every_session_of_the_engine(
    session: Session, world: World
) -> None:
    calls: list[int] = []

    def compute() -> int:
        calls.append(1)
        return len(calls)

    assert remembered(session, "probe", compute) == 1
    session.commit()
    other = new_session(session.get_bind())  # type: ignore[arg-type]
    try:
        assert remembered(other, "probe", compute) == 1  # another session, same stamp
        other.commit()
    finally:
        other.close()
    program = session.get(Program, world.program)
    assert program is not None
    program.name = "Renamed"
    session.add(program)
    session.flush()
    assert remembered(session, "probe", compute) == 2  # this transaction wrote the catalog
    session.commit()
    assert remembered(session, "probe", compute) == 3  # a new stamp: computed again, then kept
    assert remembered(session, "probe", compute) == 3
    session.rollback()


def test_errors_are_not_remembered(session: Session, world: World) -> None:
    calls: list[int] = []

    def failing() -> int:
        calls.append(1)
        raise ValueError("no")

    for _ in range(2):
        with suppress(ValueError):
            remembered(session, "failing", failing)
    assert len(calls) == 2
    session.rollback()


def test_remembered_rows_belong_to_no_session(session: Session, world: World) -> None:
    actor = world.actor(session, world.buyer)
    session.commit()
    context = buyer_context(session, actor, None, utcnow().date())
    assert inspect(context.partner).transient and inspect(context.buyer).transient
    assert context.partner not in session and context.buyer not in session
    assert (context.currency, context.program) == ("USD", "RESELLER")
    assert context.buyer.email == "buyer@alpha.example"
    session.rollback()


def test_a_deactivated_buyer_is_refused_at_the_next_order(session: Session, world: World) -> None:
    actor = world.actor(session, world.buyer)
    session.commit()
    place_order(
        session=session, actor=actor, lines=[CartItem("LIC-1", 1)], payment_method="credit_line"
    )
    buyer = session.get(Buyer, world.buyer)
    assert buyer is not None
    buyer.active = False
    session.add(buyer)
    session.commit()
    with pytest.raises(AccessDenied, match="was deactivated"):
        place_order(
            session=session, actor=actor, lines=[CartItem("LIC-1", 1)], payment_method="credit_line"
        )


def test_a_later_checkout_reads_no_program_and_writes_history_and_events_in_order(
    session: Session, world: World
) -> None:
    actor = world.actor(session, world.buyer)
    session.commit()
    for sku in ("LIC-1", "HW-1"):  # each SKU seen once, in other carts
        place_order(
            session=session, actor=actor, lines=[CartItem(sku, 1)], payment_method="credit_line"
        )
    with statements(session) as seen:
        order = place_order(
            session=session,
            actor=actor,
            lines=[CartItem("LIC-1", 2), CartItem("HW-1", 1)],
            payment_method="credit_line",
        )
    assert order.status == "submitted"
    assert _program_reads(seen) == 0  # the same stamp: remembered from the first orders
    assert history_of(session, order) == [(None, "draft"), ("draft", "submitted")]
    events = events_of(session, order)
    assert [e.topic for e in events] == ["crm.order", "prm.webhook", "notify.email"]
    assert events[1].data()["event"] == "order.submitted"
    assert events[2].data()["to"] == ["buyer@alpha.example"]
    line = session.exec(select(CreditLine).where(CreditLine.partner_id == world.partner_a)).one()
    assert line.held > order.net_total + order.tax_estimate > Decimal(0)  # every order held
