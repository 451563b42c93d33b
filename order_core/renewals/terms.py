"""A subscription's renewal terms, seats added mid-term (co-termed, prorated by day), and what is due.

Seats added mid-term end with the subscription: the reseller pays the per-seat buy price for
the days left of the term, ``round(unit * days left / days of the term)`` a seat, on an order
placed like any other (the line is linked to the subscription, so acceptance issues no new one).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from sqlmodel import Session, col, select

from order_core.actors import Actor, partner_scope, require_partner_access, require_partner_role
from order_core.audit import record_audit
from order_core.errors import NotFoundError, invalid
from order_core.licenses.models import Subscription
from order_core.money import check_amount
from order_core.orders.models import Order
from order_core.renewals.models import Renewal
from order_core.renewals.ordering import TermOrder, add_seats_to, place_term_order
from order_core.renewals.pricing import check_method
from order_core.tx import transactional
from order_core.types import utcnow
from quote_engine.money import round_money


def load_subscription(
    session: Session, actor: Actor, subscription_id: int, *, lock: bool = False
) -> Subscription:
    """The subscription (row-locked with ``lock``); NotFoundError for another partner's."""
    stmt = select(Subscription).where(Subscription.id == subscription_id)
    if lock:
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    sub = session.exec(stmt).first()
    if sub is None:
        raise NotFoundError(f"subscription {subscription_id} not found")
    require_partner_access(actor, sub.reseller_id, what=f"subscription {subscription_id}")
    return sub


@transactional
def set_renewal_terms(
    subscription_id: int,
    *,
    session: Session,
    actor: Actor,
    pricing_method: str | None = None,
    uplift_percent: Decimal | None = None,
    auto_renew: bool | None = None,
) -> Subscription:
    """Set how the subscription renews (the reseller's admin or vendor staff)."""
    sub = load_subscription(session, actor, subscription_id, lock=True)
    require_partner_role(actor, sub.reseller_id, "admin", action="set renewal terms")
    label = f"subscription {subscription_id}"
    method = pricing_method or sub.pricing_method
    uplift = uplift_percent if uplift_percent is not None else sub.uplift_percent
    check_method(label, method, uplift)
    old = {"pricing_method": sub.pricing_method, "uplift_percent": sub.uplift_percent}
    sub.pricing_method, sub.uplift_percent = method, uplift
    if auto_renew is not None:
        sub.auto_renew = auto_renew
    session.add(sub)
    record_audit(
        session, actor, "renewal_terms", "subscription", subscription_id,
        {"old": old, "pricing_method": method, "uplift_percent": uplift, "auto_renew": sub.auto_renew},
        partner_id=sub.reseller_id,
    )  # fmt: skip
    return sub


def prorated_unit(unit: Decimal, currency: str, start: date, end: date, on: date) -> Decimal:
    """The per-seat price for the days from ``on`` to ``end`` of a term ``start``..``end``."""
    days_total = (end - start).days
    days_left = (end - on).days
    return round_money(unit * days_left / days_total, currency)


@transactional
def add_seats(
    subscription_id: int,
    seats: int,
    *,
    session: Session,
    actor: Actor,
    on: date | None = None,
    po_number: str | None = None,
) -> Order:
    """Add seats for the rest of the term (co-termed, prorated by day); returns the order placed."""
    sub = load_subscription(session, actor, subscription_id, lock=True)
    require_partner_role(actor, sub.reseller_id, "buyer", action="add seats")
    label = f"subscription {subscription_id}"
    day = on or utcnow().date()
    if seats < 1:
        raise invalid(label, "seats", f"{seats} is below 1")
    if sub.status != "active" or not sub.term_start <= day < sub.term_end:
        raise invalid(
            label, "on", f"{day} is not inside the active term {sub.term_start}..{sub.term_end}"
        )
    unit = prorated_unit(sub.unit_price, sub.currency, sub.term_start, sub.term_end, day)
    check_amount(label, "unit_price", unit, sub.currency)
    order = place_term_order(
        session,
        actor,
        sub,
        TermOrder(
            kind="add_seats",
            seats=seats,
            unit_list=unit,
            unit_buy=unit,
            term_start=day,
            term_end=sub.term_end,
            po_number=po_number or f"{label} seats",
            note=f"{seats} seats added to {label} until {sub.term_end}, prorated from {day}",
        ),
    )
    add_seats_to(session, sub, seats)
    record_audit(
        session, actor, "add_seats", "subscription", subscription_id,
        {"seats": seats, "unit_price": unit, "order": order.number}, partner_id=sub.reseller_id,
    )  # fmt: skip
    return order


@dataclass(frozen=True)
class DueRenewal:
    """A subscription ending within the horizon, with its renewal quote when there is one."""

    subscription_id: int
    partner_id: int
    sku: str
    seats: int
    term_end: date
    currency: str
    renewal: str | None
    state: str | None
    resale_total: Decimal | None
    buy_total: Decimal | None


@transactional
def due_renewals(
    *, session: Session, actor: Actor, partner_id: int | None, within_days: int, today: date
) -> list[DueRenewal]:
    """Active subscriptions ending within ``within_days`` of ``today`` (a partner sees its own)."""
    scope = partner_scope(actor, partner_id)
    stmt = select(Subscription).where(
        Subscription.status == "active",
        col(Subscription.term_end) >= today,
        col(Subscription.term_end) <= today + timedelta(days=within_days),
    )
    if scope is not None:
        stmt = stmt.where(Subscription.reseller_id == scope)
    subs = list(session.exec(stmt.order_by(col(Subscription.term_end), col(Subscription.id))))
    renewals = {
        (r.subscription_id, r.term_end): r
        for r in session.exec(
            select(Renewal).where(col(Renewal.subscription_id).in_([s.id for s in subs]))
        )
    }
    out: list[DueRenewal] = []
    for s in subs:
        r = renewals.get((s.id or 0, s.term_end))
        out.append(
            DueRenewal(
                subscription_id=s.id or 0, partner_id=s.reseller_id, sku=s.sku, seats=s.seats,
                term_end=s.term_end, currency=s.currency,
                renewal=r.reference if r else None, state=r.state if r else None,
                resale_total=r.resale_total if r else None, buy_total=r.buy_total if r else None,
            )
        )  # fmt: skip
    return out
