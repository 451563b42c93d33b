"""Partner isolation: another partner's buyer can neither see nor change anything of this partner."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest
from sqlmodel import Session, select

from order_core.actors import Actor
from order_core.audit import AuditEntry
from order_core.credit.services import credit_ledger, get_credit_status, set_credit_line
from order_core.errors import AccessDenied, NotFoundError
from order_core.fulfillment.details import order_details
from order_core.fulfillment.services import (
    accept_order,
    cancel_order,
    fulfill_order,
    hold_order,
    refund_order,
    resume_order,
)
from order_core.invoices.models import Invoice
from order_core.invoices.render import invoice_csv, render_invoice_html
from order_core.invoices.services import get_invoice, record_payment
from order_core.licenses.models import License
from order_core.licenses.services import (
    licenses_for_customer,
    licenses_for_order,
    subscriptions_for_order,
    verify_license,
)
from order_core.orders.approvals import (
    approve_credit,
    approve_order,
    expire_approvals,
    order_approvals,
    reject_credit,
    reject_order,
)
from order_core.orders.cart import LockedLine
from order_core.orders.checkout import CartItem, create_order_from_quote, place_order, submit_order
from order_core.orders.export import export_order_lines_csv, export_orders_csv
from order_core.orders.models import OrderStatusChange
from order_core.orders.queries import OrderFilter, recent_orders, search_orders
from order_core.orders.revise import revise_order
from order_core.orders.templates import delete_template, order_from_template, reorder, save_template
from order_core.outbox import OutboxEvent
from order_core.payments.services import (
    allow_payment_method,
    payment_methods_for,
    register_card_token,
)
from tests.order_core.orders.world import VENDOR, World

Call = Callable[[Session, Actor], object]


def _calls(
    world: World, number: str, pending: str, review: str, invoice: str, key: str
) -> dict[str, Call]:
    pa = world.partner_a
    return {
        "submit_order": lambda s, a: submit_order(number, session=s, actor=a),
        "revise_order": lambda s, a: revise_order(pending, session=s, actor=a, po_number="X"),
        "approve_order": lambda s, a: approve_order(pending, session=s, actor=a),
        "reject_order": lambda s, a: reject_order(pending, session=s, actor=a, note="x"),
        "order_approvals": lambda s, a: order_approvals(pending, session=s, actor=a),
        "expire_approvals": lambda s, a: expire_approvals(session=s, actor=a),
        "approve_credit": lambda s, a: approve_credit(review, session=s, actor=a),
        "reject_credit": lambda s, a: reject_credit(review, session=s, actor=a, note="x"),
        "accept_order": lambda s, a: accept_order(number, session=s, actor=a),
        "fulfill_order": lambda s, a: fulfill_order(number, session=s, actor=a),
        "hold_order": lambda s, a: hold_order(number, session=s, actor=a, note="x"),
        "resume_order": lambda s, a: resume_order(number, session=s, actor=a),
        "cancel_order": lambda s, a: cancel_order(pending, session=s, actor=a, note="x"),
        "refund_order": lambda s, a: refund_order(number, Decimal(1), session=s, actor=a, note="x"),
        "search_orders": lambda s, a: search_orders(OrderFilter(partner_id=pa), session=s, actor=a),
        "recent_orders": lambda s, a: recent_orders(session=s, actor=a, partner_id=pa),
        "order_details": lambda s, a: order_details(number, session=s, actor=a),
        "export_orders_csv": lambda s, a: export_orders_csv(
            OrderFilter(partner_id=pa), session=s, actor=a
        ),
        "export_order_lines_csv": lambda s, a: export_order_lines_csv(
            OrderFilter(partner_id=pa), session=s, actor=a
        ),
        "reorder": lambda s, a: reorder(number, session=s, actor=a),
        "order_from_template": lambda s, a: order_from_template(
            "alpha", session=s, actor=a, payment_method="credit_line"
        ),
        "delete_template": lambda s, a: delete_template("alpha", session=s, actor=a),
        "create_order_from_quote": lambda s, a: create_order_from_quote(
            7,
            session=s,
            actor=a,
            partner_id=pa,
            buyer_id=world.buyer2,
            currency="USD",
            payment_method="credit_line",
            lines=[LockedLine("LIC-1", 1, Decimal(1), Decimal(1), Decimal(1))],
        ),
        "get_credit_status": lambda s, a: get_credit_status(pa, session=s, actor=a),
        "credit_ledger": lambda s, a: credit_ledger(pa, session=s, actor=a),
        "set_credit_line": lambda s, a: set_credit_line(pa, Decimal(1), "USD", session=s, actor=a),
        "payment_methods_for": lambda s, a: payment_methods_for(pa, "USD", session=s, actor=a),
        "register_card_token": lambda s, a: register_card_token(pa, "tok_x", session=s, actor=a),
        "allow_payment_method": lambda s, a: allow_payment_method(
            "card", session=s, actor=a, partner_id=pa
        ),
        "licenses_for_order": lambda s, a: licenses_for_order(number, session=s, actor=a),
        "subscriptions_for_order": lambda s, a: subscriptions_for_order(number, session=s, actor=a),
        "licenses_for_customer": lambda s, a: licenses_for_customer(
            world.customer, session=s, actor=a
        ),
        "verify_license": lambda s, a: verify_license(key, session=s, actor=a),
        "get_invoice": lambda s, a: get_invoice(invoice, session=s, actor=a),
        "record_payment": lambda s, a: record_payment(invoice, Decimal(1), session=s, actor=a),
        "render_invoice_html": lambda s, a: render_invoice_html(invoice, session=s, actor=a),
        "invoice_csv": lambda s, a: invoice_csv(invoice, session=s, actor=a),
    }


def test_every_function_refuses_another_partners_buyer(session: Session, world: World) -> None:
    ann, bob = world.actor(session, world.buyer), world.actor(session, world.buyer2)
    done = place_order(
        session=session,
        actor=bob,
        lines=[CartItem("LIC-1", 1)],
        payment_method="credit_line",
        end_customer_id=world.customer,
    )
    accept_order(done.number, session=session, actor=VENDOR)
    fulfill_order(done.number, session=session, actor=VENDOR)
    pending = place_order(
        session=session, actor=ann, lines=[CartItem("HW-1", 40)], payment_method="credit_line"
    )
    set_credit_line(world.partner_a, Decimal(10), "USD", session=session, actor=VENDOR)
    review = place_order(
        session=session, actor=bob, lines=[CartItem("HW-1", 1)], payment_method="credit_line"
    )
    assert (pending.status, review.status) == ("pending_approval", "credit_review")
    save_template("alpha", [CartItem("LIC-1", 1)], session=session, actor=ann)
    invoice = session.exec(select(Invoice)).one().number
    key = session.exec(select(License)).one().key
    outsider = world.actor(session, world.buyer_b)
    before = [
        len(session.exec(select(m)).all()) for m in (OrderStatusChange, OutboxEvent, AuditEntry)
    ]
    calls = _calls(world, done.number, pending.number, review.number, invoice, key)
    leaked = []
    for name, call in calls.items():
        try:
            call(session, outsider)
        except (NotFoundError, AccessDenied) as exc:
            assert "Alpha" not in exc.message, name  # never names the other partner
            continue
        leaked.append(name)
    assert leaked == []
    after = [
        len(session.exec(select(m)).all()) for m in (OrderStatusChange, OutboxEvent, AuditEntry)
    ]
    assert after == before
    assert len(calls) == 37


@pytest.mark.parametrize("who", ["vendor", "owner"])
def test_same_calls_work_for_the_right_people(session: Session, world: World, who: str) -> None:
    bob = world.actor(session, world.buyer2)
    order = place_order(
        session=session, actor=bob, lines=[CartItem("LIC-1", 1)], payment_method="credit_line"
    )
    actor = VENDOR if who == "vendor" else bob
    assert order_details(order.number, session=session, actor=actor).order.id == order.id
    assert (
        search_orders(OrderFilter(partner_id=world.partner_a), session=session, actor=actor).total
        == 1
    )
    assert get_credit_status(world.partner_a, session=session, actor=actor).held == Decimal("80.00")
    assert payment_methods_for(world.partner_a, "USD", session=session, actor=actor) == [
        "credit_line",
        "purchase_order",
    ]
