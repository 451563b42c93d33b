"""Changing an order before it is submitted: new lines (re-priced today), PO number, payment method.

A change gives the order a new content hash; every approval step given so far is void and asked
again, so an approval always covers the order exactly as it will be submitted.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel import Session

from order_core.actors import Actor
from order_core.audit import record_audit
from order_core.errors import AccessDenied, invalid
from order_core.orders.access import load_order
from order_core.orders.cart import order_lines, price_items, resolve_end_customer
from order_core.orders.lifecycle import transition
from order_core.orders.memo import remember_lines
from order_core.orders.models import Order, OrderLine
from order_core.orders.pricing import CartItem
from order_core.orders.states import OrderStatus
from order_core.orders.submission import refresh_hash, route_after_placing
from order_core.orders.taxes import estimate_tax
from order_core.partners.models import Partner
from order_core.payments.services import check_payment_method
from order_core.tx import transactional
from quote_engine.approvals import ApprovalPolicy

_REVISABLE = frozenset({OrderStatus.DRAFT, OrderStatus.PENDING_APPROVAL})


@transactional
def revise_order(
    number: str,
    *,
    session: Session,
    actor: Actor,
    lines: Sequence[CartItem] | None = None,
    po_number: str | None = None,
    payment_method: str | None = None,
    card_token_id: int | None = None,
    policy: ApprovalPolicy | None = None,
) -> Order:
    """Change a draft or pending order (its buyer or a partner admin); approvals are asked again."""
    order = load_order(session, actor, number, lock=True)
    if actor.kind != "partner" or (actor.buyer_id != order.buyer_id and "admin" not in actor.roles):
        raise AccessDenied(
            f"{actor.user} may not change order {number}: only its buyer or a partner admin"
        )
    if order.status not in _REVISABLE:
        raise invalid(
            f"order {number}",
            "status",
            f"is {order.status}; only draft or pending_approval orders change",
        )
    partner = session.get(Partner, order.partner_id)
    assert partner is not None and order.id is not None
    old_hash = order.content_hash
    if lines is not None:
        customer = resolve_end_customer(session, partner, order.end_customer_id)
        cart = price_items(session, partner, lines, order.currency, customer)
        for old in order_lines(session, order.id):
            session.delete(old)
        session.flush()
        rows = []
        for no, item in enumerate(cart.items, 1):
            assert item.product.id is not None
            rows.append(
                OrderLine(
                    order_id=order.id,
                    line_no=no,
                    product_id=item.product.id,
                    sku=item.product.sku,
                    name=item.product.name,
                    quantity=item.quantity,
                    unit_list=item.unit_list,
                    unit_net=item.unit_net,
                    line_total=item.line_total,
                    trace=item.trace,
                )
            )
        session.add_all(rows)
        remember_lines(session, order.id, rows)
        order.list_total, order.net_total = cart.list_total, cart.net_total
        session.flush()
        order.tax_estimate = estimate_tax(session, order)
    if po_number is not None:
        order.po_number = po_number.strip() or None
    if payment_method is not None:
        check_payment_method(session, partner, payment_method, order.currency, card_token_id)
        order.payment_method = payment_method
        order.card_token_id = card_token_id if payment_method == "card" else None
    new_hash = refresh_hash(session, order)
    record_audit(
        session,
        actor,
        "revise",
        "order",
        number,
        {"content_hash": [old_hash, new_hash]},
        partner_id=order.partner_id,
    )
    if order.status == OrderStatus.PENDING_APPROVAL and new_hash != old_hash:
        # Back to draft and through the policy again: earlier approvals covered other content.
        transition(session, order, OrderStatus.DRAFT, actor, "changed: approvals asked again")
        route_after_placing(session, order, actor, policy)
    return order
