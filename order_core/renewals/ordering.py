"""Renewal and add-on orders placed under the reseller of record, and the subscription they extend.

A renewal order is placed for the reseller with no action of its own: the buyer of the order the
subscription came from (or another active buyer), the first payment method its rules allow
(a purchase order names the customer's PO or the renewal's reference), and the partner-side
approvals counted as given (the reseller's standing terms); vendor approvals and the credit
check apply as to any order. Seats added mid-term co-term to the subscription's end, prorated
by day. The license keeps its serial and gets a new key with the new seats and end.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlmodel import Session, col, select

from order_core.actors import PARTNER_ROLES, Actor
from order_core.catalog.models import Product
from order_core.customers.models import EndCustomer
from order_core.errors import invalid
from order_core.licenses.models import License, Subscription, SubscriptionTerm
from order_core.licenses.services import add_months, rekey_license
from order_core.orders.cart import LockedLine, order_lines
from order_core.orders.memo import programs_of
from order_core.orders.models import Order
from order_core.orders.placement import NewOrder, write_new_order
from order_core.partners.models import Buyer, Partner
from order_core.payments.services import methods_allowed

_PARTNER_APPROVALS = frozenset(f"partner:{role}" for role in PARTNER_ROLES)


@dataclass(frozen=True)
class TermOrder:
    """What an order for a subscription's seats is: its kind, seats, per-seat prices and term."""

    kind: str  # renewal | add_seats
    seats: int
    unit_list: Decimal
    unit_buy: Decimal
    term_start: date
    term_end: date
    po_number: str | None
    note: str


def _buyer(session: Session, sub: Subscription) -> Buyer:
    origin = session.get(Order, sub.order_id)
    if origin is not None:
        buyer = session.get(Buyer, origin.buyer_id)
        if buyer is not None and buyer.active:
            return buyer
    stmt = select(Buyer).where(Buyer.partner_id == sub.reseller_id, col(Buyer.active).is_(True))
    buyer = session.exec(stmt.order_by(col(Buyer.id))).first()
    if buyer is None:
        raise invalid(f"subscription {sub.id}", "reseller", "the reseller has no active buyer")
    return buyer


def _payment_method(session: Session, partner: Partner, currency: str) -> str:
    # Never the card, nor the reseller's incentive credit: it chooses to spend that itself.
    usable = [
        m
        for m in methods_allowed(session, partner, currency)
        if m not in ("card", "incentive_credit")
    ]
    if not usable:
        raise invalid(
            f"partner {partner.name}", "payment_method", "no payment method besides card is allowed"
        )
    return usable[0]


def place_term_order(session: Session, actor: Actor, sub: Subscription, term: TermOrder) -> Order:
    """Place the order for ``term`` under the reseller of record and link its line to ``sub``."""
    partner = session.get(Partner, sub.reseller_id)
    product = session.get(Product, sub.product_id)
    assert partner is not None and product is not None and sub.id is not None
    customer = session.get(EndCustomer, sub.end_customer_id) if sub.end_customer_id else None
    programs = programs_of(session, partner.id or 0)
    new = NewOrder(
        partner=partner,
        buyer=_buyer(session, sub),
        program=programs[0].code if programs else "",
        currency=sub.currency,
        lines=[
            LockedLine(
                sku=sub.sku,
                quantity=term.seats,
                unit_list=term.unit_list,
                unit_net=term.unit_buy,
                line_total=term.unit_buy * term.seats,
            )
        ],
        products={product.sku: product},
        payment_method=_payment_method(session, partner, sub.currency),
        distributor_id=sub.distributor_id,
        customer=customer,
        po_number=term.po_number,
        notes=term.note,
    )
    order = write_new_order(session, actor, new, submit=True, preapproved=_PARTNER_APPROVALS)
    assert order.id is not None
    line = order_lines(session, order.id)[0]
    session.add(
        SubscriptionTerm(
            subscription_id=sub.id,
            order_id=order.id,
            order_line_id=line.id,
            kind=term.kind,
            term_start=term.term_start,
            term_end=term.term_end,
            seats=term.seats,
            unit_price=term.unit_buy,
        )
    )
    return order


def _rekey(session: Session, sub: Subscription) -> None:
    if sub.license_id is None:
        return
    lic = session.get(License, sub.license_id)
    if lic is not None and lic.status != "revoked":
        lic.status = "active"
        rekey_license(session, lic, seats=sub.seats, term_end=sub.term_end)


def extend_subscription(
    session: Session, sub: Subscription, order: Order, *, seats: int, unit_buy: Decimal,
    unit_resale: Decimal,
) -> None:  # fmt: skip
    """The subscription's next term after ``order`` renewed it: dates, seats, prices, license key."""
    sub.term_start = sub.term_end
    sub.term_end = add_months(sub.term_end, sub.term_months)
    sub.seats, sub.unit_price, sub.resale_unit_price = seats, unit_buy, unit_resale
    sub.renewed_order_id = order.id
    sub.status = "active"
    session.add(sub)
    _rekey(session, sub)


def add_seats_to(session: Session, sub: Subscription, seats: int) -> None:
    """Raise the subscription's seats (and its license key's) for the rest of the term."""
    sub.seats += seats
    session.add(sub)
    _rekey(session, sub)
