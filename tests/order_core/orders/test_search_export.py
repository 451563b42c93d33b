"""Order management: search by customer, status, dates, PO and SKU with pages; details; CSV downloads."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update
from sqlmodel import Session, col

from order_core.errors import NotFoundError, ValidationFailed
from order_core.fulfillment.details import order_details
from order_core.fulfillment.services import accept_order
from order_core.orders.checkout import CartItem, place_order
from order_core.orders.export import export_order_lines_csv, export_orders_csv
from order_core.orders.models import Order
from order_core.orders.queries import OrderFilter, recent_orders, search_orders
from tests.order_core.orders.world import VENDOR, World


def _seed(session: Session, world: World) -> list[str]:
    buyer = world.actor(session, world.buyer2)
    numbers = []
    specs = [
        ([CartItem("LIC-1", 1)], world.customer, "PO-A1"),
        ([CartItem("HW-1", 2)], world.customer, "PO-B2"),
        ([CartItem("SUB-1", 3), CartItem("HW-1", 1)], world.customer_b, "PO-A3"),
        ([CartItem("LIC-1", 4)], None, None),
    ]
    for lines, customer, po in specs:
        order = place_order(
            session=session,
            actor=buyer,
            lines=lines,
            payment_method="credit_line",
            end_customer_id=customer,
            po_number=po,
        )
        numbers.append(order.number)
    # Spread creation over four days so date ranges mean something.
    base = datetime(2026, 3, 1, 12, tzinfo=UTC)
    for i, number in enumerate(numbers):
        session.execute(
            update(Order)
            .where(col(Order.number) == number)
            .values(created_at=base + timedelta(days=i))
        )
    session.commit()
    accept_order(numbers[1], session=session, actor=VENDOR)
    place_order(
        session=session,
        actor=world.actor(session, world.buyer_b),
        lines=[CartItem("LIC-1", 1)],
        payment_method="credit_line",
        po_number="PO-A1",
    )
    return numbers


def _found(session: Session, world: World, criteria: OrderFilter | None = None) -> list[str]:
    page = search_orders(
        criteria or OrderFilter(), session=session, actor=world.actor(session, world.buyer)
    )
    return [o.number for o in page.items]


def test_search_filters_are_partner_scoped(session: Session, world: World) -> None:
    n = _seed(session, world)
    assert _found(session, world) == [
        n[3],
        n[2],
        n[1],
        n[0],
    ]  # newest first, partner B's order hidden
    assert _found(session, world, OrderFilter(customer="acme")) == [n[1], n[0]]
    assert _found(session, world, OrderFilter(customer="GLOBEX.example")) == [n[2]]
    assert _found(session, world, OrderFilter(status="accepted")) == [n[1]]
    assert _found(session, world, OrderFilter(po_number="po-a")) == [n[2], n[0]]
    assert _found(session, world, OrderFilter(sku="hw-1")) == [n[2], n[1]]
    window = OrderFilter(
        created_from=datetime(2026, 3, 2, tzinfo=UTC), created_to=datetime(2026, 3, 4, tzinfo=UTC)
    )
    assert _found(session, world, window) == [n[2], n[1]]
    with pytest.raises(NotFoundError):
        _found(session, world, OrderFilter(partner_id=world.partner_b))
    with pytest.raises(ValidationFailed, match="not one of"):
        _found(session, world, OrderFilter(status="shipped"))
    everything = search_orders(OrderFilter(), session=session, actor=VENDOR)
    assert everything.total == 5


def test_pagination_and_recent(session: Session, world: World) -> None:
    n = _seed(session, world)
    buyer = world.actor(session, world.buyer)
    first = search_orders(OrderFilter(), session=session, actor=buyer, page=1, page_size=3)
    second = search_orders(OrderFilter(), session=session, actor=buyer, page=2, page_size=3)
    assert (first.total, first.pages) == (4, 2)
    assert [o.number for o in first.items + second.items] == [n[3], n[2], n[1], n[0]]
    assert [o.number for o in recent_orders(session=session, actor=buyer, limit=2)] == [n[3], n[2]]


def test_details_have_lines_history_licenses(session: Session, world: World) -> None:
    n = _seed(session, world)
    details = order_details(n[2], session=session, actor=world.actor(session, world.buyer))
    assert [ln.sku for ln in details.lines] == ["SUB-1", "HW-1"]
    assert [h.to_status for h in details.history] == ["draft", "submitted"]
    assert details.end_customer is not None and details.end_customer.name == "Globex Ltd"
    accept_order(n[2], session=session, actor=VENDOR)
    details = order_details(n[2], session=session, actor=VENDOR)
    assert [lic.sku for lic in details.licenses] == ["SUB-1"] and len(details.subscriptions) == 1
    with pytest.raises(NotFoundError):
        order_details(n[2], session=session, actor=world.actor(session, world.buyer_b))


def test_csv_of_orders_and_lines(session: Session, world: World) -> None:
    n = _seed(session, world)
    buyer = world.actor(session, world.buyer)
    rows = list(
        csv.DictReader(io.StringIO(export_orders_csv(OrderFilter(), session=session, actor=buyer)))
    )
    assert [r["number"] for r in rows] == n
    assert (
        rows[0]["end_customer"] == "Acme Corp"
        and rows[0]["end_customer_email"] == "it@acme.example"
    )
    assert rows[2]["net_total"] == "280.00" and rows[2]["currency"] == "USD"
    assert rows[1]["status"] == "accepted" and rows[3]["po_number"] == ""
    lines = list(
        csv.DictReader(
            io.StringIO(
                export_order_lines_csv(OrderFilter(customer="globex"), session=session, actor=buyer)
            )
        )
    )
    assert [
        (r["order_number"], r["sku"], r["quantity"], r["unit_net"], r["line_total"]) for r in lines
    ] == [(n[2], "SUB-1", "3", "40.00", "120.00"), (n[2], "HW-1", "1", "160.00", "160.00")]
    other = export_orders_csv(
        OrderFilter(), session=session, actor=world.actor(session, world.buyer_b)
    )
    assert [r["po_number"] for r in csv.DictReader(io.StringIO(other))] == ["PO-A1"]


def test_an_unknown_partner_is_not_found_not_an_empty_result(
    session: Session, world: World
) -> None:
    _seed(session, world)
    unknown = OrderFilter(partner_id=999_999)
    with pytest.raises(NotFoundError, match="partner 999999 not found"):
        search_orders(unknown, session=session, actor=VENDOR)
    with pytest.raises(NotFoundError, match="partner 999999 not found"):
        export_orders_csv(unknown, session=session, actor=VENDOR)
    with pytest.raises(NotFoundError, match="partner 999999 not found"):
        export_order_lines_csv(unknown, session=session, actor=VENDOR)
    # A partner with no orders is still a (empty) result, and no partner means every partner.
    assert search_orders(OrderFilter(), session=session, actor=VENDOR).total == 5
