"""The expiry run sends an order whose approval step passed its deadline back to draft."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session, select

from order_core.expiry import run_expiry
from order_core.orders.checkout import CartItem, place_order
from order_core.orders.models import Order, OrderApproval
from order_core.types import utcnow
from tests.order_core.orders.world import World


def test_an_order_step_past_its_deadline_sends_the_order_back_to_draft(
    session: Session, world: World
) -> None:
    buyer = world.actor(session, world.buyer)
    order = place_order(
        session=session, actor=buyer, lines=[CartItem("HW-1", 40)], payment_method="credit_line"
    )
    assert order.status == "pending_approval"
    engine = session.get_bind()
    assert run_expiry(engine, utcnow()).order_approvals == []  # type: ignore[arg-type]
    report = run_expiry(engine, utcnow() + timedelta(days=2, minutes=1))  # type: ignore[arg-type]
    assert report.order_approvals == [order.number]
    session.expire_all()
    assert session.exec(select(Order)).one().status == "draft"
    assert session.exec(select(OrderApproval)).one().status == "expired"
