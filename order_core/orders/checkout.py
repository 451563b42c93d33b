"""Checkout: an authorized buyer places an order for the partner company (or converts an accepted quote).

``place_order`` prices the cart (authorized products, today's prices), checks the end customer
rule and the payment method, and writes the order routed onward (``order_core.orders.placement``):
pending_approval when the approval policy asks for approvals, else a credit hold and submitted, or
credit_review when the hold does not fit the line of credit; a draft with ``submit=False``.
What it reads of the buyer, partner and catalog is remembered per catalog stamp. All in one
transaction.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from sqlmodel import Session

from order_core.actors import Actor
from order_core.audit import record_audit
from order_core.catalog.authorization import ensure_authorized
from order_core.errors import AccessDenied, NotFoundError, invalid
from order_core.money import check_currency
from order_core.orders.access import load_order
from order_core.orders.cart import LockedLine, check_items, price_items, resolve_end_customer
from order_core.orders.context import buyer_context
from order_core.orders.memo import programs_of
from order_core.orders.models import Order
from order_core.orders.numbering import allocate_order_id
from order_core.orders.placement import NewOrder, write_new_order
from order_core.orders.pricing import CartItem, PricedCart
from order_core.orders.states import OrderStatus
from order_core.orders.submission import route_after_placing
from order_core.partners.models import Buyer, Partner
from order_core.tx import transactional
from order_core.types import utcnow
from quote_engine.approvals import ApprovalPolicy
from quote_engine.pricing import RuleSet

__all__ = ["CartItem", "LockedLine", "create_order_from_quote", "place_order", "submit_order"]


def _locked(cart: PricedCart) -> list[LockedLine]:
    return [
        LockedLine(i.product.sku, i.quantity, i.unit_list, i.unit_net, i.line_total, i.trace)
        for i in cart.items
    ]


@transactional
def place_order(
    *,
    session: Session,
    actor: Actor,
    lines: Sequence[CartItem],
    payment_method: str,
    currency: str | None = None,
    po_number: str | None = None,
    card_token_id: int | None = None,
    end_customer_id: int | None = None,
    notify_end_customer: bool = False,
    notes: str | None = None,
    submit: bool = True,
    policy: ApprovalPolicy | None = None,
    rules: RuleSet | None = None,
) -> Order:
    """Place an order as the acting authorized buyer, for the buyer's partner company.

    Lines are priced at today's prices and must be authorized; ``currency`` defaults to the
    partner's. Promotion rules are ``rules``, or the installed rules file
    (``CHANNELSYNC_PRICING_RULES_FILE``, see ``order_core.pricing_rules``) when None. With
    ``submit`` (default) the order leaves draft at once (see the module doc).
    """
    # First, so that on PostgreSQL the catalog stamp comes along (one round trip for both); a
    # refused checkout leaves a gap in the order numbers, which they allow.
    order_id = allocate_order_id(session)
    context = buyer_context(session, actor, currency, utcnow().date())
    partner, code = context.partner, context.currency
    check_currency(f"order of partner {partner.name}", code)
    customer = resolve_end_customer(
        session, partner, end_customer_id, required=context.required_customer_fields
    )
    cart = price_items(session, partner, lines, code, customer, rules)
    new = NewOrder(
        partner=partner,
        buyer=context.buyer,
        program=context.program,
        currency=code,
        lines=_locked(cart),
        products={i.product.sku: i.product for i in cart.items},
        payment_method=payment_method,
        distributor_id=cart.distributor_id,
        customer=customer,
        payment_methods=context.payment_methods,
        po_number=po_number,
        card_token_id=card_token_id,
        notify_end_customer=notify_end_customer,
        notes=notes,
        order_id=order_id,
    )
    return write_new_order(session, actor, new, submit=submit, policy=policy)


@transactional
def submit_order(
    number: str, *, session: Session, actor: Actor, policy: ApprovalPolicy | None = None
) -> Order:
    """Submit a draft order (its buyer or a partner admin): approvals, then credit, then submitted."""
    order = load_order(session, actor, number, lock=True)
    if actor.kind == "partner" and actor.buyer_id != order.buyer_id and "admin" not in actor.roles:
        raise AccessDenied(
            f"{actor.user} may not submit order {number}: only its buyer or a partner admin"
        )
    if order.status != OrderStatus.DRAFT:
        raise invalid(
            f"order {number}", "status", f"is {order.status}; only a draft can be submitted"
        )
    route_after_placing(session, order, actor, policy)
    record_audit(
        session,
        actor,
        "submit",
        "order",
        number,
        {"status": order.status},
        partner_id=order.partner_id,
    )
    return order


@transactional
def create_order_from_quote(
    quote_id: int,
    *,
    session: Session,
    actor: Actor,
    partner_id: int,
    buyer_id: int,
    currency: str,
    lines: Sequence[LockedLine],
    payment_method: str,
    distributor_id: int | None = None,
    po_number: str | None = None,
    card_token_id: int | None = None,
    end_customer_id: int | None = None,
    notify_end_customer: bool = False,
    preapproved: Collection[str] = (),
    policy: ApprovalPolicy | None = None,
) -> Order:
    """Turn an accepted quote into an order at the quote's locked prices (called by order_core.quotes).

    ``lines`` carry the locked unit prices and line totals (no re-pricing); every SKU must still be
    authorized. ``buyer_id`` is the active buyer of ``partner_id`` the order is placed for; the
    actor is whoever accepted (a buyer of the same partner, vendor staff or the system acting on
    the customer's acceptance link). ``preapproved`` lists ``"side:role"`` approvals the quote already obtained
    on the same content, so the order does not ask them again; anything else the order policy
    needs (e.g. the buyer's spending limit) is asked. ``distributor_id`` is the distributor the
    quote was priced through (its terms are in the locked prices, its co-branding on the quote),
    so the order and its invoice name the same one. Returns the order, already routed onward.
    """
    if actor.kind == "partner" and actor.partner_id != partner_id:
        raise NotFoundError(f"quote {quote_id} not found")
    partner = session.get(Partner, partner_id)
    buyer = session.get(Buyer, buyer_id)
    if partner is None or buyer is None or buyer.partner_id != partner_id or not buyer.active:
        raise invalid(
            f"quote {quote_id}",
            "buyer_id",
            f"buyer {buyer_id} is not an active buyer of partner {partner_id}",
        )
    check_items(f"quote {quote_id}", lines)
    found = ensure_authorized(session, partner_id, [ln.sku for ln in lines])
    customer = resolve_end_customer(session, partner, end_customer_id)
    programs = programs_of(session, partner_id)
    new = NewOrder(
        partner=partner,
        buyer=buyer,
        program=programs[0].code if programs else "",
        currency=currency.upper(),
        lines=lines,
        products={p.sku: p for p in found},
        payment_method=payment_method,
        distributor_id=distributor_id,
        customer=customer,
        po_number=po_number,
        card_token_id=card_token_id,
        notify_end_customer=notify_end_customer,
        quote_id=quote_id,
        notes=f"from quote {quote_id}",
    )
    return write_new_order(session, actor, new, submit=True, policy=policy, preapproved=preapproved)
