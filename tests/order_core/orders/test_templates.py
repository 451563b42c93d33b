"""Order templates shared by a partner's buyers, and re-orders at today's prices naming what dropped out."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlmodel import Session, col, select

from order_core.catalog.models import AuthorizationRule, ListPrice, Product
from order_core.errors import ConflictError, NotFoundError
from order_core.orders.checkout import CartItem, place_order, submit_order
from order_core.orders.models import OrderLine
from order_core.orders.templates import (
    DroppedLine,
    delete_template,
    list_templates,
    order_from_template,
    reorder,
    save_template,
)
from tests.order_core.orders.world import World


def _lines(session: Session, order_id: int | None) -> list[tuple[str, int, Decimal]]:
    rows = session.exec(
        select(OrderLine).where(OrderLine.order_id == order_id).order_by(col(OrderLine.line_no))
    )
    return [(r.sku, r.quantity, r.unit_net) for r in rows]


def test_template_is_shared_by_the_partners_buyers(session: Session, world: World) -> None:
    ann = world.actor(session, world.buyer)
    bob = world.actor(session, world.buyer2)
    save_template(
        "monthly", [CartItem("LIC-1", 2), CartItem("HW-1", 1)], session=session, actor=ann
    )
    with pytest.raises(ConflictError, match="already exists"):
        save_template("monthly", [CartItem("LIC-1", 1)], session=session, actor=bob)
    save_template(
        "monthly",
        [CartItem("LIC-1", 3), CartItem("HW-1", 1)],
        session=session,
        actor=bob,
        replace=True,
    )
    [(template, lines)] = list_templates(session=session, actor=bob)
    assert template.name == "monthly" and [(ln.sku, ln.quantity) for ln in lines] == [
        ("LIC-1", 3),
        ("HW-1", 1),
    ]
    assert list_templates(session=session, actor=world.actor(session, world.buyer_b)) == []
    made = order_from_template("monthly", session=session, actor=bob, payment_method="credit_line")
    assert made.dropped == [] and made.order is not None and made.order.status == "draft"
    assert _lines(session, made.order.id) == [
        ("LIC-1", 3, Decimal("80.00")),
        ("HW-1", 1, Decimal("160.00")),
    ]
    assert submit_order(made.order.number, session=session, actor=bob).status == "submitted"
    with pytest.raises(NotFoundError):
        order_from_template(
            "monthly",
            session=session,
            actor=world.actor(session, world.buyer_b),
            payment_method="credit_line",
        )
    delete_template("monthly", session=session, actor=ann)
    assert list_templates(session=session, actor=ann) == []


def test_reorder_reprices_and_names_dropped_lines(session: Session, world: World) -> None:
    bob = world.actor(session, world.buyer2)
    past = place_order(
        session=session,
        actor=bob,
        lines=[CartItem("LIC-1", 2), CartItem("SUB-1", 1), CartItem("HW-1", 5)],
        payment_method="credit_line",
        po_number="PO-OLD",
        end_customer_id=world.customer,
    )
    # Since then: LIC-1's list price rose, SUB-1 was withdrawn, hardware is denied to the partner.
    price = session.exec(
        select(ListPrice).where(
            ListPrice.product_id == world.products["LIC-1"], ListPrice.currency == "USD"
        )
    ).one()
    price.amount = Decimal("150")
    sub = session.get(Product, world.products["SUB-1"])
    assert sub is not None
    sub.active = False
    session.add_all(
        [
            price,
            sub,
            AuthorizationRule(
                partner_id=world.partner_a, effect="deny", scope="category", value="hardware"
            ),
        ]
    )
    session.commit()
    again = reorder(past.number, session=session, actor=world.actor(session, world.buyer))
    assert again.dropped == [
        DroppedLine("SUB-1", 1, "no longer available"),
        DroppedLine("HW-1", 5, "no longer authorized for your company"),
    ]
    assert again.order is not None and again.order.number != past.number
    assert _lines(session, again.order.id) == [("LIC-1", 2, Decimal("120.00"))]
    assert again.order.end_customer_id == world.customer and again.order.po_number == "PO-OLD"
    with pytest.raises(NotFoundError):
        reorder(past.number, session=session, actor=world.actor(session, world.buyer_b))


def test_reorder_with_nothing_left_makes_no_order(session: Session, world: World) -> None:
    bob = world.actor(session, world.buyer2)
    past = place_order(
        session=session, actor=bob, lines=[CartItem("HW-1", 1)], payment_method="credit_line"
    )
    session.add(
        AuthorizationRule(partner_id=world.partner_a, effect="deny", scope="sku", value="HW-1")
    )
    session.commit()
    result = reorder(past.number, session=session, actor=bob)
    assert result.order is None and [d.sku for d in result.dropped] == ["HW-1"]
