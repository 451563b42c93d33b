"""Checkout: an authorized buyer places an order for the partner company (or converts an accepted quote).

``place_order`` prices the cart (authorized products, today's prices), checks the end customer
rule and the payment method, writes the order in draft and, unless ``submit=False``, routes it:
pending_approval when the approval policy asks for approvals, else a credit hold and submitted, or
credit_review when the hold does not fit the line of credit. All in one transaction.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Mapping, Sequence
from decimal import Decimal

from sqlalchemy import Table, insert
from sqlmodel import Session

from order_core.actors import Actor
from order_core.audit import record_audit, record_audits
from order_core.catalog.authorization import ensure_authorized
from order_core.catalog.models import Product
from order_core.customers.models import EndCustomer
from order_core.errors import AccessDenied, NotFoundError, invalid
from order_core.orders.access import load_order, ordering_buyer
from order_core.orders.cart import (
    LockedLine,
    associate,
    check_items,
    price_items,
    resolve_end_customer,
)
from order_core.orders.lifecycle import emit_order_events, record_history
from order_core.orders.memo import programs_of, remember_approvals, remember_lines
from order_core.orders.models import Order, OrderLine
from order_core.orders.numbering import order_number
from order_core.orders.pricing import CartItem, PricedCart, default_distributor
from order_core.orders.readcache import cached_reads
from order_core.orders.states import OrderStatus
from order_core.orders.submission import refresh_hash, route_after_placing
from order_core.orders.taxes import estimate_tax
from order_core.partners.models import Buyer, Partner
from order_core.payments.services import check_payment_method
from order_core.tx import transactional
from quote_engine.approvals import ApprovalPolicy
from quote_engine.money import is_supported_currency

__all__ = ["CartItem", "LockedLine", "create_order_from_quote", "place_order", "submit_order"]

_LINES: Table = OrderLine.__table__  # type: ignore[attr-defined]
_LINE_COLUMNS = tuple(c.name for c in _LINES.columns if c.name != "id")


def _write_order(
    session: Session,
    actor: Actor,
    partner: Partner,
    buyer_id: int,
    currency: str,
    customer: EndCustomer | None,
    lines: Sequence[LockedLine],
    products: Mapping[str, Product],
    *,
    stays_draft: bool,
    po_number: str | None,
    payment_method: str,
    card_token_id: int | None,
    notify_end_customer: bool,
    quote_id: int | None,
    notes: str | None,
) -> Order:
    assert partner.id is not None
    po = (po_number or "").strip() or None
    check_payment_method(session, partner, payment_method, currency, card_token_id)
    distributor = default_distributor(session, partner.id)
    order = Order(
        number=f"tmp-{uuid.uuid4().hex[:24]}",
        partner_id=partner.id,
        buyer_id=buyer_id,
        end_customer_id=customer.id if customer else None,
        distributor_id=distributor.distributor_id if distributor else None,
        quote_id=quote_id,
        po_number=po,
        currency=currency,
        payment_method=payment_method,
        card_token_id=card_token_id if payment_method == "card" else None,
        list_total=sum((ln.unit_list * ln.quantity for ln in lines), Decimal(0)),
        net_total=sum((ln.line_total for ln in lines), Decimal(0)),
        content_hash="",
        notify_end_customer=notify_end_customer,
        notes=notes,
    )
    session.add(order)
    session.flush()
    assert order.id is not None
    # Numbered from the id: no counter row lock, so concurrent checkouts do not queue here.
    order.number = order_number(order.id)
    rows = []
    for no, ln in enumerate(lines, 1):
        product = products[ln.sku]
        assert product.id is not None
        rows.append(
            OrderLine(
                order_id=order.id,
                line_no=no,
                product_id=product.id,
                sku=ln.sku,
                name=product.name,
                quantity=ln.quantity,
                unit_list=ln.unit_list,
                unit_net=ln.unit_net,
                line_total=ln.line_total,
                trace=ln.trace,
            )
        )
    # One multi-row INSERT instead of the unit of work; the rows stay in the memo for this
    # transaction (content hash, tax, approval policy read them without a query).
    session.connection().execute(
        insert(_LINES),
        [{c: getattr(r, c) for c in _LINE_COLUMNS} for r in rows],
    )
    remember_lines(session, order.id, rows)
    remember_approvals(session, order.id, [])
    order.tax_estimate = estimate_tax(session, order)
    refresh_hash(session, order)
    if customer is not None:
        associate(session, partner.id, customer, actor)
    record_history(session, order, None, OrderStatus.DRAFT, actor, "order created")
    if stays_draft:
        # An order routed on at once announces itself with its first transition instead (one
        # CRM update and one e-mail saying where it went, not a "draft" one before it).
        emit_order_events(session, order, None, actor, "order created")
    changes = {
        "net_total": order.net_total,
        "currency": currency,
        "lines": len(lines),
        "payment_method": payment_method,
        "quote_id": quote_id,
    }
    # Before routing, never after: the credit hold must be the transaction's last write, so the
    # credit line stays locked only for its UPDATE and the commit.
    record_audits(session, actor, [("create", "order", order.number, changes, partner.id)])
    return order


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
) -> Order:
    """Place an order as the acting authorized buyer, for the buyer's partner company.

    Lines are priced at today's prices and must be authorized; ``currency`` defaults to the
    partner's. With ``submit`` (default) the order leaves draft at once (see the module doc).
    """
    with cached_reads(session):
        partner, buyer_id = ordering_buyer(session, actor)
        code = (currency or partner.currency).upper()
        if not is_supported_currency(code):
            raise invalid(
                f"order of partner {partner.name}", "currency", f"{code} is not supported"
            )
        customer = resolve_end_customer(session, partner, end_customer_id)
        cart = price_items(session, partner, lines, code, customer)
        products = {i.product.sku: i.product for i in cart.items}
        assert partner.id is not None
        programs_of(session, partner.id)  # read now, so the approval check later needs no query
        order = _write_order(
            session,
            actor,
            partner,
            buyer_id,
            code,
            customer,
            _locked(cart),
            products,
            stays_draft=not submit,
            po_number=po_number,
            payment_method=payment_method,
            card_token_id=card_token_id,
            notify_end_customer=notify_end_customer,
            quote_id=None,
            notes=notes,
        )
        if submit:
            route_after_placing(session, order, actor, policy)
        return order


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
    needs (e.g. the buyer's spending limit) is asked. Returns the order, already routed onward.
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
    order = _write_order(
        session,
        actor,
        partner,
        buyer_id,
        currency.upper(),
        customer,
        lines,
        {p.sku: p for p in found},
        stays_draft=False,
        po_number=po_number,
        payment_method=payment_method,
        card_token_id=card_token_id,
        notify_end_customer=notify_end_customer,
        quote_id=quote_id,
        notes=f"from quote {quote_id}",
    )
    route_after_placing(session, order, actor, policy, preapproved)
    return order
