"""One order's full record: header, lines, history, approvals, and the licenses and invoices it produced."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlmodel import Session, col, select

from order_core.actors import Actor
from order_core.customers.models import EndCustomer
from order_core.invoices.models import Invoice
from order_core.invoices.services import invoices_of_order
from order_core.licenses.models import License, Subscription
from order_core.orders.access import load_order
from order_core.orders.cart import order_lines
from order_core.orders.models import Order, OrderApproval, OrderLine, OrderStatusChange
from order_core.tx import transactional


@dataclass(frozen=True)
class OrderDetails:
    """Everything about one order: header, lines, history, approvals, licenses, subscriptions, invoices."""

    order: Order
    lines: list[OrderLine]
    history: list[OrderStatusChange]
    approvals: list[OrderApproval]
    licenses: list[License]
    subscriptions: list[Subscription]
    invoices: list[Invoice]
    end_customer: EndCustomer | None = field(default=None)


@transactional
def order_details(number: str, *, session: Session, actor: Actor) -> OrderDetails:
    """One order with lines, history, approvals, licenses, subscriptions and invoices."""
    order = load_order(session, actor, number)
    oid = order.id
    assert oid is not None
    history = session.exec(
        select(OrderStatusChange)
        .where(OrderStatusChange.order_id == oid)
        .order_by(col(OrderStatusChange.id))
    )
    approvals = session.exec(
        select(OrderApproval).where(OrderApproval.order_id == oid).order_by(col(OrderApproval.id))
    )
    licenses = session.exec(
        select(License).where(License.order_id == oid).order_by(col(License.id))
    )
    subs = session.exec(
        select(Subscription).where(Subscription.order_id == oid).order_by(col(Subscription.id))
    )
    customer = session.get(EndCustomer, order.end_customer_id) if order.end_customer_id else None
    return OrderDetails(
        order,
        order_lines(session, oid),
        list(history),
        list(approvals),
        list(licenses),
        list(subs),
        invoices_of_order(session, oid),
        customer,
    )
