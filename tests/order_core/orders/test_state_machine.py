"""The state machine: the full matrix of illegal transitions is refused, and the legal lifecycle records history."""

from __future__ import annotations

from decimal import Decimal
from itertools import product

import pytest
from sqlmodel import Session, col, select

from order_core.credit.models import CreditLedgerEntry
from order_core.credit.services import get_credit_status
from order_core.errors import AccessDenied, InvalidTransition, ValidationFailed
from order_core.fulfillment.services import (
    accept_order,
    cancel_order,
    fulfill_order,
    hold_order,
    refund_order,
    resume_order,
)
from order_core.invoices.models import Invoice
from order_core.invoices.services import record_payment
from order_core.orders.checkout import CartItem, place_order
from order_core.orders.lifecycle import transition
from order_core.orders.models import Order, OrderStatusChange
from order_core.orders.states import TRANSITIONS, OrderStatus, check_transition
from order_core.outbox import OutboxEvent
from tests.order_core.orders.world import SYSTEM, VENDOR, World

ALL = list(OrderStatus)
ILLEGAL = [(a, b) for a, b in product(ALL, ALL) if b not in TRANSITIONS[a]]
LEGAL = [(a, b) for a, b in product(ALL, ALL) if b in TRANSITIONS[a]]
FINANCE = VENDOR.__class__.vendor("fin@vendor.example", "finance")


def test_matrix_is_complete_and_has_no_self_loops() -> None:
    assert set(TRANSITIONS) == set(ALL)
    assert len(ILLEGAL) + len(LEGAL) == len(ALL) ** 2
    assert all(a != b for a, b in LEGAL)
    assert TRANSITIONS[OrderStatus.CANCELLED] == frozenset()


@pytest.mark.parametrize(("source", "target"), ILLEGAL, ids=[f"{a}->{b}" for a, b in ILLEGAL])
def test_every_illegal_transition_is_refused(source: OrderStatus, target: OrderStatus) -> None:
    with pytest.raises(InvalidTransition) as err:
        check_transition("SO-1", source, target)
    assert f"cannot go from {source.value} to {target.value}" in err.value.message


@pytest.mark.parametrize(("source", "target"), LEGAL, ids=[f"{a}->{b}" for a, b in LEGAL])
def test_every_legal_transition_passes(source: OrderStatus, target: OrderStatus) -> None:
    check_transition("SO-1", source, target)


def test_illegal_transitions_write_nothing_on_a_stored_order(
    session: Session, world: World
) -> None:
    buyer = world.actor(session, world.buyer2)
    order = place_order(
        session=session,
        actor=buyer,
        lines=[CartItem("HW-1", 1)],
        payment_method="credit_line",
        submit=False,
    )
    before = (
        len(session.exec(select(OrderStatusChange)).all()),
        len(session.exec(select(OutboxEvent)).all()),
    )
    refused = 0
    for source in ALL:
        for target in ALL:
            if target in TRANSITIONS[source]:
                continue
            order.status = source.value
            with pytest.raises(InvalidTransition):
                transition(session, order, target, SYSTEM, "should fail")
            refused += 1
    session.rollback()
    assert refused == len(ILLEGAL)
    after = (
        len(session.exec(select(OrderStatusChange)).all()),
        len(session.exec(select(OutboxEvent)).all()),
    )
    assert after == before
    assert session.get(Order, order.id).status == "draft"  # type: ignore[union-attr]


def test_services_refuse_out_of_order_steps(session: Session, world: World) -> None:
    buyer = world.actor(session, world.buyer2)
    draft = place_order(
        session=session,
        actor=buyer,
        lines=[CartItem("HW-1", 1)],
        payment_method="credit_line",
        submit=False,
    )
    with pytest.raises(InvalidTransition, match="draft to accepted"):
        accept_order(draft.number, session=session, actor=VENDOR)
    with pytest.raises(InvalidTransition, match="draft to fulfilled"):
        fulfill_order(draft.number, session=session, actor=VENDOR)
    with pytest.raises(InvalidTransition, match="draft to on_hold"):
        hold_order(draft.number, session=session, actor=VENDOR, note="x")
    cancel_order(draft.number, session=session, actor=buyer, note="changed my mind")
    with pytest.raises(InvalidTransition, match="cancelled to submitted"):
        transition(session, draft, OrderStatus.SUBMITTED, SYSTEM)


def test_full_lifecycle_with_history_ledger_and_events(session: Session, world: World) -> None:
    buyer = world.actor(session, world.buyer2)
    order = place_order(
        session=session,
        actor=buyer,
        lines=[CartItem("LIC-1", 2), CartItem("HW-1", 1)],
        payment_method="credit_line",
        po_number="PO-9",
    )
    hold_order(order.number, session=session, actor=VENDOR, note="address check")
    with pytest.raises(AccessDenied):
        resume_order(order.number, session=session, actor=buyer)
    assert resume_order(order.number, session=session, actor=VENDOR).status == "submitted"
    accept_order(order.number, session=session, actor=SYSTEM)
    fulfill_order(order.number, session=session, actor=VENDOR)
    invoice = session.exec(select(Invoice)).one()
    assert invoice.total == Decimal("320.00")  # US has 0% tax in the default table
    status = get_credit_status(world.partner_a, session=session, actor=buyer)
    assert (status.held, status.outstanding) == (Decimal(0), Decimal("320.00"))
    record_payment(
        invoice.number, Decimal("320.00"), session=session, actor=FINANCE, reference="wire 1"
    )
    refund_order(
        order.number, Decimal("20"), session=session, actor=FINANCE, note="one seat returned"
    )
    session.refresh(order)
    assert order.status == "partially_refunded" and order.refunded_total == Decimal(20)
    history = session.exec(
        select(OrderStatusChange)
        .where(OrderStatusChange.order_id == order.id)
        .order_by(col(OrderStatusChange.id))
    ).all()
    assert [h.to_status for h in history] == [
        "draft",
        "submitted",
        "on_hold",
        "submitted",
        "accepted",
        "fulfilled",
        "invoiced",
        "paid",
        "partially_refunded",
    ]
    assert history[2].note == "address check" and history[2].actor == "ops@vendor.example"
    assert history[4].actor == "system:tests"
    kinds = [
        e.kind for e in session.exec(select(CreditLedgerEntry).order_by(col(CreditLedgerEntry.id)))
    ]
    assert kinds == ["hold", "release", "charge", "payment"]
    events = session.exec(
        select(OutboxEvent).where(OutboxEvent.topic == "crm.order").order_by(col(OutboxEvent.id))
    ).all()
    assert [e.data()["status"] for e in events] == [h.to_status for h in history[1:]]
    webhooks = session.exec(select(OutboxEvent).where(OutboxEvent.topic == "prm.webhook")).all()
    assert {e.data()["event"] for e in webhooks} >= {"order.accepted", "order.paid"}


def test_cancel_releases_the_hold_and_buyers_cannot_cancel_after_acceptance(
    session: Session, world: World
) -> None:
    buyer = world.actor(session, world.buyer2)
    first = place_order(
        session=session, actor=buyer, lines=[CartItem("HW-1", 2)], payment_method="credit_line"
    )
    cancel_order(first.number, session=session, actor=buyer, note="duplicate")
    second = place_order(
        session=session, actor=buyer, lines=[CartItem("HW-1", 1)], payment_method="credit_line"
    )
    accept_order(second.number, session=session, actor=VENDOR)
    with pytest.raises(AccessDenied, match="before acceptance"):
        cancel_order(second.number, session=session, actor=buyer, note="too late")
    cancel_order(second.number, session=session, actor=VENDOR, note="vendor cancel")
    status = get_credit_status(world.partner_a, session=session, actor=buyer)
    assert status.held == 0 and status.available == Decimal(100000)
    kinds = [
        (e.kind, e.amount)
        for e in session.exec(select(CreditLedgerEntry).order_by(col(CreditLedgerEntry.id)))
    ]
    assert kinds == [
        ("hold", Decimal("320.00")),
        ("release", Decimal("320.00")),
        ("hold", Decimal("160.00")),
        ("release", Decimal("160.00")),
    ]


def test_cancelling_a_held_order_releases_its_credit(session: Session, world: World) -> None:
    buyer = world.actor(session, world.buyer2)
    order = place_order(
        session=session, actor=buyer, lines=[CartItem("HW-1", 1)], payment_method="credit_line"
    )
    hold_order(order.number, session=session, actor=VENDOR, note="fraud check")
    with pytest.raises(AccessDenied):
        cancel_order(order.number, session=session, actor=buyer, note="x")
    cancel_order(order.number, session=session, actor=VENDOR, note="failed the check")
    assert get_credit_status(world.partner_a, session=session, actor=buyer).held == 0
    with pytest.raises(ValidationFailed, match="is cancelled, not on_hold"):
        resume_order(order.number, session=session, actor=VENDOR)
