"""The credit line as buyers see it, and how vendors set it."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest
from sqlmodel import Session, col, select

from order_core.credit.models import CreditLedgerEntry
from order_core.credit.services import (
    CreditStatus,
    credit_ledger,
    get_credit_status,
    peek_credit_line,
    set_credit_line,
)
from order_core.errors import AccessDenied, NotFoundError, ValidationFailed
from order_core.orders import submission
from order_core.orders.checkout import CartItem, place_order
from order_core.orders.models import OrderStatusChange
from order_core.outbox import OutboxEvent
from tests.order_core.orders.world import CREDIT, VENDOR, World


def test_available_is_limit_minus_outstanding_minus_holds(session: Session, world: World) -> None:
    buyer = world.actor(session, world.buyer2)
    before = get_credit_status(world.partner_a, session=session, actor=buyer)
    assert (before.credit_limit, before.available, before.currency) == (
        Decimal(100000),
        Decimal(100000),
        "USD",
    )
    place_order(
        session=session, actor=buyer, lines=[CartItem("HW-1", 2)], payment_method="credit_line"
    )
    after = get_credit_status(world.partner_a, session=session, actor=buyer)
    assert (after.held, after.outstanding, after.available) == (
        Decimal("320.00"),
        Decimal(0),
        Decimal("99680.00"),
    )
    (entry,) = credit_ledger(world.partner_a, session=session, actor=buyer)
    assert (entry.kind, entry.amount, entry.reference) == ("hold", Decimal("320.00"), "SO-000001")


def test_only_credit_controllers_set_lines_and_currency_is_locked_while_open(
    session: Session, world: World
) -> None:
    with pytest.raises(AccessDenied, match="credit_controller"):
        set_credit_line(
            world.partner_a,
            Decimal(1),
            "USD",
            session=session,
            actor=VENDOR.__class__.vendor("s@v", "sales_ops"),
        )
    with pytest.raises(AccessDenied):
        set_credit_line(
            world.partner_a,
            Decimal(1),
            "USD",
            session=session,
            actor=world.actor(session, world.admin),
        )
    buyer = world.actor(session, world.buyer2)
    place_order(
        session=session, actor=buyer, lines=[CartItem("HW-1", 1)], payment_method="credit_line"
    )
    with pytest.raises(ValidationFailed, match="cannot change from USD"):
        set_credit_line(world.partner_a, Decimal(5000), "EUR", session=session, actor=CREDIT)
    status = set_credit_line(world.partner_a, Decimal(5000), "USD", session=session, actor=CREDIT)
    assert (status.credit_limit, status.available) == (Decimal(5000), Decimal("4840.00"))
    with pytest.raises(ValidationFailed, match="-1 is not an amount >= 0"):
        set_credit_line(world.partner_a, Decimal(-1), "USD", session=session, actor=CREDIT)
    with pytest.raises(NotFoundError):
        set_credit_line(9999, Decimal(1), "USD", session=session, actor=CREDIT)


def test_inactive_line_sends_orders_to_review(session: Session, world: World) -> None:
    set_credit_line(
        world.partner_a, Decimal(100000), "USD", session=session, actor=CREDIT, active=False
    )
    buyer = world.actor(session, world.buyer2)
    order = place_order(
        session=session, actor=buyer, lines=[CartItem("HW-1", 1)], payment_method="credit_line"
    )
    assert order.status == "credit_review"


def test_losing_the_race_after_an_optimistic_start_leaves_no_trace(
    session: Session, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    set_credit_line(world.partner_a, Decimal(100), "USD", session=session, actor=CREDIT)
    real = peek_credit_line

    def stale(s: Session, partner_id: int) -> CreditStatus | None:
        # What another checkout's commit made stale: the unlocked read still shows room.
        line = real(s, partner_id)
        assert line is not None
        return replace(line, credit_limit=Decimal(10**6), available=Decimal(10**6))

    monkeypatch.setattr(submission, "peek_credit_line", stale)
    buyer = world.actor(session, world.buyer2)
    order = place_order(
        session=session, actor=buyer, lines=[CartItem("HW-1", 1)], payment_method="credit_line"
    )
    assert order.status == "credit_review"
    history = session.exec(select(OrderStatusChange).order_by(col(OrderStatusChange.id))).all()
    assert [h.to_status for h in history] == ["draft", "credit_review"]
    assert session.exec(select(CreditLedgerEntry)).all() == []
    topics = [e.data()["status"] for e in session.exec(select(OutboxEvent))]
    assert topics == ["credit_review"] * 3
    assert get_credit_status(world.partner_a, session=session, actor=buyer).held == 0
