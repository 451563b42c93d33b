"""The end customer renews through the notice link: the renewal order, the extended term, the news.

One call is one transaction; the renewal row is locked, so a double submit renews once and the
second gets a ConflictError saying it was already renewed. The customer never sees a buy price.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from sqlmodel import Session

from order_core.actors import Actor
from order_core.audit import record_audit
from order_core.errors import ConflictError, invalid
from order_core.licenses.models import Subscription
from order_core.outbox import emit_event
from order_core.renewals.links import (
    link_state,
    renewal_by_link,
    renewal_document,
    subscription_label,
)
from order_core.renewals.models import Renewal
from order_core.renewals.ordering import TermOrder, extend_subscription, place_term_order
from order_core.tx import transactional
from order_core.types import utcnow
from quote_engine.documents import QuoteDocument

_EMAIL = re.compile(r"^[^@\s,;<>]+@[^@\s,;<>]+\.[^@\s,;<>]+$")


@dataclass(frozen=True)
class CustomerRenewal:
    """The end customer's view of a renewal (resale prices only) and what they can do with it."""

    state: str  # open | renewed | closed
    message: str
    subscription: str
    current_term_ends: date
    new_term_ends: date
    document: QuoteDocument


def _view(session: Session, renewal: Renewal, today: date) -> CustomerRenewal:
    state, message = link_state(session, renewal, today)
    return CustomerRenewal(
        state=state,
        message=message,
        subscription=subscription_label(session, renewal),
        current_term_ends=renewal.term_end,
        new_term_ends=renewal.new_term_end,
        document=renewal_document(session, renewal),
    )


@transactional
def customer_renewal(
    reference: str, token: str, *, session: Session, actor: Actor
) -> CustomerRenewal:
    """What the self-renew page shows for a link; NotFoundError for any token matching nothing."""
    renewal = renewal_by_link(session, actor, reference, token)
    return _view(session, renewal, utcnow().date())


def renew(
    session: Session,
    actor: Actor,
    renewal: Renewal,
    *,
    name: str,
    email: str | None,
    po_number: str | None,
) -> Renewal:
    """Renew an open, locked renewal: the order under the reseller of record, the next term."""
    sub = session.get(Subscription, renewal.subscription_id)
    assert sub is not None
    order = place_term_order(
        session,
        actor,
        sub,
        TermOrder(
            kind="renewal",
            seats=renewal.seats,
            unit_list=renewal.unit_list,
            unit_buy=renewal.unit_buy,
            term_start=renewal.term_end,
            term_end=renewal.new_term_end,
            po_number=po_number or renewal.reference,
            note=f"renewal {renewal.reference} of subscription {sub.id}",
        ),
    )
    extend_subscription(
        session, sub, order, seats=renewal.seats, unit_buy=renewal.unit_buy,
        unit_resale=renewal.unit_resale,
    )  # fmt: skip
    renewal.state = "renewed"
    renewal.order_id = order.id
    renewal.renewed_by, renewal.renewed_email, renewal.po_number = name, email, po_number
    renewal.renewed_at = utcnow()
    session.add(renewal)
    facts = {
        "reference": renewal.reference,
        "subscription_id": sub.id,
        "order_number": order.number,
        "renewed_by": name,
        "new_term_end": renewal.new_term_end.isoformat(),
        "currency": renewal.currency,
        "buy_total": renewal.buy_total,
        "resale_total": renewal.resale_total,
    }
    record_audit(
        session, actor, "renew", "subscription", sub.id, facts, partner_id=renewal.partner_id
    )
    emit_event(
        session, "prm.webhook", "renewal", renewal.reference, {**facts, "event": "renewal.renewed"},
        partner_id=renewal.partner_id,
    )  # fmt: skip
    emit_event(
        session, "crm.renewal", "renewal", renewal.reference, {**facts, "state": "renewed"},
        partner_id=renewal.partner_id,
    )  # fmt: skip
    return renewal


@transactional
def renew_by_link(
    reference: str,
    token: str,
    *,
    name: str,
    email: str,
    po_number: str | None,
    session: Session,
    actor: Actor,
) -> CustomerRenewal:
    """Renew as the customer confirmed; ConflictError saying why when the renewal is not open."""
    renewal = renewal_by_link(session, actor, reference, token, lock=True)
    who = " ".join(name.split())[:200]
    if not who:
        raise invalid(f"renewal {reference}", "name", "give the name of who renews")
    address = email.strip().lower()
    if not _EMAIL.match(address):
        raise invalid(f"renewal {reference}", "email", f"{email!r} is not an e-mail address")
    po = po_number.strip()[:80] if po_number and po_number.strip() else None
    today = utcnow().date()
    state, message = link_state(session, renewal, today)
    if state != "open":
        raise ConflictError(message)
    renew(session, actor, renewal, name=who, email=address, po_number=po)
    return _view(session, renewal, today)
