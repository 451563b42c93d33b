"""Incentive credit paid out by a statement is spent at checkout, within the payment rules and the balance."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from order_core.commissions.services import approve_period, create_program, mark_period_paid
from order_core.errors import CreditExceeded, ValidationFailed
from order_core.fulfillment.services import accept_order, cancel_order, fulfill_order
from order_core.orders.checkout import CartItem, place_order
from order_core.orders.models import Order
from order_core.payments.incentive_credit import credit_balance
from order_core.payments.models import PaymentMethodRule
from tests.order_core.commissions.conftest import Clock, invoiced, run
from tests.order_core.orders.world import VENDOR, World

D = Decimal


def _order(session: Session, world: World, sku: str, quantity: int) -> Order:
    return place_order(
        session=session,
        actor=world.actor(session, world.buyer2),
        lines=[CartItem(sku, quantity)],
        payment_method="incentive_credit",
    )


def test_credit_is_spent_at_checkout_and_given_back_on_cancel(
    engine: Engine, session: Session, world: World, clock: Clock
) -> None:
    create_program("CR", "Credit rebate", [(D(0), D(10))], kind="rebate", payout="credit", session=session, actor=VENDOR)  # fmt: skip
    invoiced(session, world, 5)  # 800.00: 80.00 of credit
    run(engine, session, "2027-03")
    with pytest.raises(ValidationFailed, match="'incentive_credit' is not allowed"):
        _order(session, world, "LIC-1", 1)  # the payment rules do not allow it yet
    session.add(PaymentMethodRule(method="incentive_credit", countries="US", currencies="USD"))
    session.commit()
    with pytest.raises(CreditExceeded, match="has 0 USD of incentive credit"):
        _order(session, world, "LIC-1", 1)  # not paid out yet
    approve_period("2027-03", session=session, actor=VENDOR)
    mark_period_paid("2027-03", session=session, actor=VENDOR)
    assert credit_balance(session, world.partner_a, "USD") == D("80.00")
    with pytest.raises(CreditExceeded, match=r"needs 160\.00"):
        _order(session, world, "HW-1", 1)
    first = _order(session, world, "LIC-1", 1)  # 80.00 at buy price
    assert first.status == "submitted" and credit_balance(session, world.partner_a, "USD") == 0
    with pytest.raises(CreditExceeded):
        _order(session, world, "LIC-1", 1)  # the same credit is never spent twice
    cancel_order(first.number, session=session, actor=world.actor(session, world.buyer2), note="no")
    assert credit_balance(session, world.partner_a, "USD") == D("80.00")  # given back
    second = _order(session, world, "LIC-1", 1)
    accept_order(second.number, session=session, actor=VENDOR)
    fulfill_order(second.number, session=session, actor=VENDOR)
    session.expire_all()
    paid = session.get(Order, second.id)
    assert paid is not None and paid.status == "paid"  # its invoice settled by the credit
    assert credit_balance(session, world.partner_a, "USD") == 0
