"""Moving an order between statuses: the state machine check, the history entry and the outbox events.

Every transition writes, in the caller's transaction: one history row (time, actor, note), a
``crm.order`` event (CRM push-back), a ``prm.webhook`` event and a ``notify.email`` event whose
recipients are the buyer, the approvers involved and, when the order asks for it, the end customer.
"""

from __future__ import annotations

from sqlalchemy import Table, insert
from sqlmodel import Session, col, select

from order_core.actors import Actor
from order_core.customers.models import EndCustomer
from order_core.orders.memo import known_approvals
from order_core.orders.models import Order, OrderApproval, OrderStatusChange
from order_core.orders.states import OrderStatus, check_transition
from order_core.outbox import EventRow, emit_events
from order_core.partners.models import Buyer
from order_core.types import utcnow

_HISTORY: Table = OrderStatusChange.__table__  # type: ignore[attr-defined]

# Statuses whose notification goes to the approvers still to decide, not only to those who did.
_ASKS_APPROVERS = frozenset({"pending_approval"})


def history_row(
    order: Order, from_status: str | None, to_status: str, actor: Actor, note: str
) -> dict[str, object]:
    """The history row of a status change of ``order`` (for ``record_history`` or a batch insert)."""
    assert order.id is not None
    return {
        "order_id": order.id,
        "from_status": from_status,
        "to_status": to_status,
        "at": utcnow(),
        "actor": actor.user,
        "note": note,
    }


def record_history(
    session: Session, order: Order, from_status: str | None, to_status: str, actor: Actor, note: str
) -> None:
    """Write one history row for ``order`` (a plain INSERT: no ORM object per row)."""
    # Through the session so pending ORM changes are flushed first: rows keep the order of calls.
    session.execute(insert(_HISTORY), history_row(order, from_status, to_status, actor, note))


def approver_emails(session: Session, order: Order, *, pending: bool) -> list[str]:
    """E-mail addresses of the partner approvers for the order's pending steps, or of those who decided."""
    assert order.id is not None
    known = known_approvals(session, order.id)
    steps = (
        known
        if known is not None
        else list(session.exec(select(OrderApproval).where(OrderApproval.order_id == order.id)))
    )
    emails: list[str] = []
    if pending:
        partner_roles = {s.role for s in steps if s.side == "partner" and s.status == "pending"}
        if partner_roles:
            buyers = session.exec(
                select(Buyer).where(
                    Buyer.partner_id == order.partner_id,
                    col(Buyer.active).is_(True),
                    col(Buyer.role).in_(sorted(partner_roles | {"admin"})),
                    Buyer.id != order.buyer_id,
                )
            )
            emails.extend(b.email for b in buyers)
    emails.extend(s.decided_by_email for s in steps if s.decided_by_email)
    return list(dict.fromkeys(emails))


def recipients(
    session: Session,
    order: Order,
    status: str,
    *,
    buyer: Buyer | None = None,
    customer: EndCustomer | None = None,
) -> list[str]:
    """Who is told about ``order`` entering ``status``: buyer, approvers, end customer if configured.

    ``buyer`` and ``customer`` are the order's own when the caller has them at hand (else read).
    """
    out: list[str] = []
    if buyer is None:
        buyer = session.get(Buyer, order.buyer_id)
    if buyer is not None:
        out.append(buyer.email)
    out.extend(approver_emails(session, order, pending=status in _ASKS_APPROVERS))
    if order.notify_end_customer and order.end_customer_id is not None:
        if customer is None:
            customer = session.get(EndCustomer, order.end_customer_id)
        if customer is not None and customer.email:
            out.append(customer.email)
    return list(dict.fromkeys(out))


def order_event_payload(order: Order, from_status: str | None, note: str) -> dict[str, object]:
    """The data every order event carries (CRM push-back and PRM webhook read the same fields)."""
    return {
        "order_number": order.number,
        "order_id": order.id,
        "partner_id": order.partner_id,
        "buyer_id": order.buyer_id,
        "end_customer_id": order.end_customer_id,
        "quote_id": order.quote_id,
        "po_number": order.po_number,
        "currency": order.currency,
        "net_total": order.net_total,
        "status": order.status,
        "previous_status": from_status,
        "note": note,
        "at": order.updated_at,
    }


def emit_order_events(
    session: Session, order: Order, from_status: str | None, actor: Actor, note: str
) -> None:
    """Write the CRM, PRM and e-mail events of a status change into the current transaction."""
    to = recipients(session, order, order.status)
    emit_events(session, order_events(order, from_status, actor, note, to))


def order_events(
    order: Order, from_status: str | None, actor: Actor, note: str, to: list[str]
) -> list[EventRow]:
    """The CRM, PRM and e-mail events of ``order`` entering its status (e-mail only when ``to``)."""
    payload = order_event_payload(order, from_status, note)
    webhook = {"event": f"order.{order.status}", **payload}
    events: list[EventRow] = [
        ("crm.order", "order", order.number, payload, order.partner_id),
        ("prm.webhook", "order", order.number, webhook, order.partner_id),
    ]
    if to:
        mail = {
            "kind": "order_status",
            "to": to,
            "order_number": order.number,
            "po_number": order.po_number,
            "from_status": from_status,
            "status": order.status,
            "net_total": order.net_total,
            "currency": order.currency,
            "actor": actor.user,
            "note": note,
        }
        events.append(("notify.email", "order", order.number, mail, order.partner_id))
    return events


def transition(session: Session, order: Order, target: str, actor: Actor, note: str = "") -> None:
    """Move ``order`` to ``target`` if the state machine allows it; history and events in the same transaction."""
    check_transition(order.number, order.status, target)
    source = order.status
    order.status = OrderStatus(target).value
    order.updated_at = utcnow()
    session.add(order)
    record_history(session, order, source, target, actor, note)
    emit_order_events(session, order, source, actor, note)
