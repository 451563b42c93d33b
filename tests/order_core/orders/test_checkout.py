"""Checkout: authorized products, prices, end customer rule, payment methods, PO, credit hold or review."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlmodel import Session, col, select

from order_core.audit import AuditEntry
from order_core.credit.models import CreditLedgerEntry
from order_core.credit.services import get_credit_status, set_credit_line
from order_core.customers.models import CustomerAssociation, EndCustomer
from order_core.errors import (
    AccessDenied,
    CreditExceeded,
    NotFoundError,
    ProductNotAuthorized,
    ValidationFailed,
)
from order_core.orders.approvals import approve_credit, reject_credit
from order_core.orders.cart import LockedLine
from order_core.orders.checkout import CartItem, create_order_from_quote, place_order, submit_order
from order_core.orders.models import Order, OrderApproval, OrderLine, OrderStatusChange
from order_core.outbox import OutboxEvent
from order_core.partners.models import Program
from order_core.payments.services import register_card_token
from tests.order_core.orders.world import CREDIT, VENDOR, World


def _count(session: Session, model: type) -> int:
    return len(session.exec(select(model)).all())


def test_place_order_on_credit_is_priced_held_and_submitted(session: Session, world: World) -> None:
    buyer = world.actor(session, world.buyer)
    order = place_order(
        session=session,
        actor=buyer,
        lines=[CartItem("LIC-1", 3), CartItem("HW-1", 1)],
        payment_method="credit_line",
        po_number="PO-77",
        end_customer_id=world.customer,
    )
    assert order.status == "submitted" and order.number == "SO-000001"
    lines = session.exec(
        select(OrderLine).where(OrderLine.order_id == order.id).order_by(col(OrderLine.line_no))
    ).all()
    # 20% program buy price off list: 100 -> 80, 200 -> 160.
    assert [(ln.sku, ln.unit_list, ln.unit_net, ln.line_total) for ln in lines] == [
        ("LIC-1", Decimal(100), Decimal("80.00"), Decimal("240.00")),
        ("HW-1", Decimal(200), Decimal("160.00"), Decimal("160.00")),
    ]
    assert order.net_total == Decimal("400.00") and order.po_number == "PO-77"
    status = get_credit_status(world.partner_a, session=session, actor=buyer)
    assert status.held == Decimal("400.00") and status.available == Decimal("99600.00")
    history = session.exec(select(OrderStatusChange).order_by(col(OrderStatusChange.id))).all()
    assert [(h.from_status, h.to_status, h.actor) for h in history] == [
        (None, "draft", "buyer@alpha.example"),
        ("draft", "submitted", "buyer@alpha.example"),
    ]
    kinds = sorted(
        (e.topic, str(e.data().get("event", ""))) for e in session.exec(select(OutboxEvent))
    )
    # Routed on at once: one set of events for draft -> submitted (no separate "draft" events),
    # and the reseller's first order for this end customer associates them (the reseller of
    # record goes to the PRM and, as crm.end_customer, to the CRMs).
    assert kinds == [
        ("crm.end_customer", ""),
        ("crm.order", ""),
        ("notify.email", ""),
        ("prm.webhook", "customer.associated"),
        ("prm.webhook", "order.submitted"),
    ]
    crm = session.exec(select(OutboxEvent).where(OutboxEvent.topic == "crm.order")).one().data()
    assert (crm["status"], crm["previous_status"], crm["net_total"]) == (
        "submitted",
        "draft",
        "400.00",
    )
    link = session.exec(select(CustomerAssociation)).one()
    assert (link.customer_id, link.partner_id) == (world.customer, world.partner_a)
    assert session.get(EndCustomer, world.customer).reseller_of_record_id == world.partner_a  # type: ignore[union-attr]
    assert session.exec(select(AuditEntry).where(AuditEntry.entity == "order")).first() is not None


def test_unauthorized_product_is_refused_and_nothing_written(
    session: Session, world: World
) -> None:
    buyer = world.actor(session, world.buyer)
    with pytest.raises(ProductNotAuthorized, match="DENY-1"):
        place_order(
            session=session,
            actor=buyer,
            lines=[CartItem("LIC-1", 1), CartItem("DENY-1", 1)],
            payment_method="credit_line",
        )
    assert _count(session, Order) == 0 and _count(session, OutboxEvent) == 0
    assert _count(session, CreditLedgerEntry) == 0


def test_payment_method_not_allowed_names_the_allowed_ones(session: Session, world: World) -> None:
    buyer = world.actor(session, world.buyer)
    with pytest.raises(ValidationFailed) as err:
        place_order(
            session=session, actor=buyer, lines=[CartItem("LIC-1", 1)], payment_method="card"
        )
    assert "'card' is not allowed in country US with currency USD" in err.value.message
    assert "allowed: credit_line, purchase_order" in err.value.message
    with pytest.raises(ValidationFailed, match="po_number"):
        place_order(
            session=session,
            actor=buyer,
            lines=[CartItem("LIC-1", 1)],
            payment_method="purchase_order",
        )
    order = place_order(
        session=session,
        actor=buyer,
        lines=[CartItem("LIC-1", 1)],
        payment_method="purchase_order",
        po_number="PO-1",
    )
    assert order.status == "submitted" and _count(session, CreditLedgerEntry) == 0


def test_card_is_a_token_reference_never_a_number(session: Session, world: World) -> None:
    admin_b = world.actor(session, world.buyer_b)
    with pytest.raises(AccessDenied):
        register_card_token(world.partner_b, "tok_visa", session=session, actor=admin_b)
    partner_admin = VENDOR
    with pytest.raises(AccessDenied, match="never stored"):
        register_card_token(
            world.partner_b, "4111 1111 1111 1111", session=session, actor=partner_admin
        )
    card = register_card_token(
        world.partner_b,
        "tok_1Nx9",
        session=session,
        actor=partner_admin,
        brand="visa",
        last4="1111",
        expires="2030-01",
    )
    order = place_order(
        session=session,
        actor=admin_b,
        lines=[CartItem("HW-1", 1)],
        payment_method="card",
        card_token_id=card.id,
    )
    assert order.currency == "GBP" and order.card_token_id == card.id
    assert order.net_total == Decimal("128.00")  # 160 GBP list, 20% off


def test_program_requiring_customer_info(session: Session, world: World) -> None:
    program = session.get(Program, world.program)
    assert program is not None
    program.customer_info_required = True
    program.required_customer_fields = "name,email,phone"
    session.add(program)
    session.commit()
    buyer = world.actor(session, world.buyer)
    with pytest.raises(ValidationFailed, match="required by program RESELLER") as missing:
        place_order(
            session=session, actor=buyer, lines=[CartItem("LIC-1", 1)], payment_method="credit_line"
        )
    assert [p.field for p in missing.value.problems] == ["name", "email", "phone"]
    with pytest.raises(ValidationFailed) as err:
        place_order(
            session=session,
            actor=buyer,
            lines=[CartItem("LIC-1", 1)],
            payment_method="credit_line",
            end_customer_id=world.customer,
        )
    assert [p.field for p in err.value.problems] == ["phone"]


def test_order_beyond_credit_goes_to_review_then_approved_with_raise(
    session: Session, world: World
) -> None:
    set_credit_line(world.partner_a, Decimal("1000"), "USD", session=session, actor=CREDIT)
    buyer = world.actor(session, world.buyer2)  # no spending limit: no approval step
    order = place_order(
        session=session, actor=buyer, lines=[CartItem("HW-1", 10)], payment_method="credit_line"
    )
    assert order.status == "credit_review"
    assert get_credit_status(world.partner_a, session=session, actor=buyer).held == 0
    with pytest.raises(AccessDenied):
        approve_credit(
            order.number, session=session, actor=VENDOR.__class__.vendor("x@v", "sales_ops")
        )
    with pytest.raises(CreditExceeded, match="raise the limit"):
        approve_credit(order.number, session=session, actor=CREDIT)
    approved = approve_credit(
        order.number, session=session, actor=CREDIT, raise_limit_to=Decimal("2000")
    )
    assert approved.status == "submitted"
    status = get_credit_status(world.partner_a, session=session, actor=buyer)
    assert (status.credit_limit, status.held, status.available) == (
        Decimal(2000),
        Decimal("1600.00"),
        Decimal("400.00"),
    )
    second = place_order(
        session=session, actor=buyer, lines=[CartItem("HW-1", 3)], payment_method="credit_line"
    )
    assert second.status == "credit_review"
    assert (
        reject_credit(second.number, session=session, actor=CREDIT, note="too risky").status
        == "cancelled"
    )


def test_draft_then_submit_by_its_buyer_only(session: Session, world: World) -> None:
    buyer = world.actor(session, world.buyer2)
    draft = place_order(
        session=session,
        actor=buyer,
        lines=[CartItem("LIC-1", 1)],
        payment_method="credit_line",
        submit=False,
    )
    assert draft.status == "draft" and _count(session, CreditLedgerEntry) == 0
    created = session.exec(select(OutboxEvent).where(OutboxEvent.topic == "crm.order")).one()
    assert (created.data()["status"], created.data()["previous_status"]) == ("draft", None)
    with pytest.raises(AccessDenied):
        submit_order(draft.number, session=session, actor=world.actor(session, world.buyer))
    assert submit_order(draft.number, session=session, actor=buyer).status == "submitted"


def test_order_from_accepted_quote_keeps_locked_prices(session: Session, world: World) -> None:
    buyer = world.actor(session, world.buyer2)
    locked = [LockedLine("LIC-1", 2, Decimal(100), Decimal("70.00"), Decimal("140.00"))]
    order = create_order_from_quote(
        41,
        session=session,
        actor=buyer,
        partner_id=world.partner_a,
        buyer_id=world.buyer2,
        currency="USD",
        lines=locked,
        payment_method="credit_line",
        end_customer_id=world.customer,
        preapproved={"vendor:pricing_desk"},
    )
    assert (order.quote_id, order.status, order.net_total) == (41, "submitted", Decimal("140.00"))
    line = session.exec(select(OrderLine).where(OrderLine.order_id == order.id)).one()
    assert line.unit_net == Decimal("70.00")
    with pytest.raises(ProductNotAuthorized):
        create_order_from_quote(
            42,
            session=session,
            actor=buyer,
            partner_id=world.partner_a,
            buyer_id=world.buyer2,
            currency="USD",
            payment_method="credit_line",
            lines=[LockedLine("DENY-1", 1, Decimal(10), Decimal(5), Decimal(5))],
        )


def test_quote_order_asks_only_what_the_quote_did_not_approve(
    session: Session, world: World
) -> None:
    # Accepted by a colleague (Bob) for Ann's quote: Ann's spending limit still applies.
    bob = world.actor(session, world.buyer2)
    locked = [LockedLine("HW-1", 40, Decimal(200), Decimal("150.00"), Decimal("6000.00"))]
    order = create_order_from_quote(
        43,
        session=session,
        actor=bob,
        partner_id=world.partner_a,
        buyer_id=world.buyer,
        currency="USD",
        lines=locked,
        payment_method="credit_line",
        preapproved={"vendor:pricing_desk"},  # the quote's 25% discount was approved on the quote
    )
    assert (order.buyer_id, order.status) == (world.buyer, "pending_approval")
    steps = session.exec(select(OrderApproval).where(OrderApproval.order_id == order.id)).all()
    assert [(s.side, s.role, s.status) for s in steps] == [
        ("partner", "approver", "pending"),
        ("vendor", "pricing_desk", "approved"),
    ]
    other = world.actor(session, world.buyer_b)
    with pytest.raises(NotFoundError):
        create_order_from_quote(
            44,
            session=session,
            actor=other,
            partner_id=world.partner_a,
            buyer_id=world.buyer,
            currency="USD",
            lines=locked,
            payment_method="credit_line",
        )
    with pytest.raises(ValidationFailed, match="not an active buyer"):
        create_order_from_quote(
            45,
            session=session,
            actor=VENDOR,
            partner_id=world.partner_a,
            buyer_id=world.buyer_b,
            currency="USD",
            lines=locked,
            payment_method="credit_line",
        )
