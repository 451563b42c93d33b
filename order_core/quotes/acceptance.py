"""The end customer accepts or declines a sent quote through its link.

Accepting places the reseller's order to the vendor at buy price (as the quote's priced lines
say) and records the acceptance with the resale figures, which is also the reseller's invoice
to the end customer. The row lock on the quote makes a double submit or a second tab a refusal
that says the quote was already accepted: one order per quote.
"""

from __future__ import annotations

import re

from sqlmodel import Session, col, select

from order_core.actors import Actor
from order_core.audit import record_audit
from order_core.errors import invalid
from order_core.orders.cart import LockedLine
from order_core.orders.checkout import create_order_from_quote
from order_core.orders.models import Order
from order_core.partners.models import Buyer, Partner
from order_core.payments.services import methods_allowed
from order_core.quotes.access import label
from order_core.quotes.customer_link import quote_by_link, require_open
from order_core.quotes.document import line_traces, quote_lines_of
from order_core.quotes.events import notify, quote_changed
from order_core.quotes.models import ApprovalRequest, Quote
from order_core.quotes.resale_invoice import record_acceptance
from order_core.quotes.sending import check_approved
from order_core.quotes.states import QuoteState, check_transition
from order_core.tx import transactional
from order_core.types import utcnow

_EMAIL = re.compile(r"^[^@\s,;<>]+@[^@\s,;<>]+\.[^@\s,;<>]+$")


def _order_buyer(session: Session, quote: Quote) -> int:
    if quote.buyer_id is not None:
        buyer = session.get(Buyer, quote.buyer_id)
        if buyer is not None and buyer.active:
            return quote.buyer_id
    stmt = select(Buyer).where(Buyer.partner_id == quote.partner_id, col(Buyer.active).is_(True))
    for buyer in session.exec(stmt.order_by(col(Buyer.id))):
        assert buyer.id is not None
        return buyer.id
    raise invalid(f"quote {label(quote)}", "buyer", "the partner has no active buyer to order for")


def _convert(
    session: Session, actor: Actor, quote: Quote, payment_method: str | None, po: str | None
) -> Order:
    """The reseller's order to the vendor for the quote's lines, at buy price."""
    partner = session.get(Partner, quote.partner_id)
    assert partner is not None and quote.id is not None
    if payment_method is None:
        usable = [m for m in methods_allowed(session, partner, quote.currency) if m != "card"]
        usable = [m for m in usable if m != "purchase_order" or po]
        if not usable:
            raise invalid(
                f"quote {label(quote)}", "payment_method", "name a payment method for the order"
            )
        payment_method = usable[0]
    traces = line_traces(quote)
    lines = [
        LockedLine(
            sku=r.sku,
            quantity=r.quantity,
            unit_list=r.unit_list,
            unit_net=r.unit_net,
            line_total=r.line_total,
            trace=traces.get(r.line_no, "[]"),
        )
        for r in quote_lines_of(session, quote)
    ]
    approved = session.exec(
        select(ApprovalRequest).where(
            ApprovalRequest.quote_id == quote.id,
            ApprovalRequest.quote_version == quote.version,
            ApprovalRequest.content_hash == quote.content_hash,
            ApprovalRequest.decision == "approved",
        )
    )
    return create_order_from_quote(
        quote.id,
        session=session,
        actor=actor,
        partner_id=quote.partner_id,
        buyer_id=_order_buyer(session, quote),
        currency=quote.currency,
        lines=lines,
        payment_method=payment_method,
        distributor_id=quote.distributor_id,
        po_number=po,
        end_customer_id=quote.end_customer_id,
        preapproved=[f"{a.side}:{a.role}" for a in approved],
    )


@transactional
def accept_quote(
    number: str,
    version: int,
    token: str,
    accepted_by: str,
    *,
    session: Session,
    actor: Actor,
    email: str | None = None,
    payment_method: str | None = None,
    po_number: str | None = None,
) -> Quote:
    """Accept a sent quote through its link (who: name, e-mail; the customer's PO number).

    The quote must be open (ConflictError saying plainly if it was already accepted, declined,
    replaced or expired). Places the order at buy price and records the acceptance and the
    customer's invoice at resale price.
    """
    quote = quote_by_link(session, actor, number, version, token, lock=True)
    name = " ".join(accepted_by.split())[:200]
    if not name:
        raise invalid(f"quote {label(quote)}", "accepted_by", "give the name of who accepts")
    address = email.strip().lower() if email and email.strip() else None
    if address is not None and not _EMAIL.match(address):
        raise invalid(f"quote {label(quote)}", "email", f"{email!r} is not an e-mail address")
    po = po_number.strip()[:80] if po_number and po_number.strip() else None
    require_open(session, quote)
    check_transition(label(quote), quote.state, QuoteState.ACCEPTED)
    check_approved(quote)
    quote.state = QuoteState.ACCEPTED
    quote.accepted_by = name
    quote.accepted_at = utcnow()
    order = _convert(session, actor, quote, payment_method, po)
    quote.order_id = order.id
    session.add(quote)
    record = record_acceptance(
        session, quote, name=name, email=address, po_number=po, order_id=order.id
    )
    record_audit(
        session,
        actor,
        "accept_quote",
        "quote",
        quote.id,
        {"accepted_by": name, "email": address, "po_number": po, "order_id": quote.order_id},
        partner_id=quote.partner_id,
    )
    notify(
        session,
        quote,
        "quote_accepted",
        to=[quote.created_by],
        accepted_by=name,
        accepted_email=address,
        po_number=po,
        order_number=order.number,
        invoice_number=record.invoice_number,
    )
    quote_changed(session, quote, "accepted", accepted_by=name)
    return quote


@transactional
def decline_quote(
    number: str, version: int, token: str, reason: str, *, session: Session, actor: Actor
) -> Quote:
    """The end customer declines a sent quote through its link, with a reason."""
    quote = quote_by_link(session, actor, number, version, token, lock=True)
    require_open(session, quote)
    check_transition(label(quote), quote.state, QuoteState.REJECTED)
    quote.state = QuoteState.REJECTED
    quote.updated_at = utcnow()
    session.add(quote)
    text = reason.strip()[:2000]
    record_audit(
        session,
        actor,
        "decline_quote",
        "quote",
        quote.id,
        {"reason": text},
        partner_id=quote.partner_id,
    )
    notify(session, quote, "quote_declined", to=[quote.created_by], reason=text)
    quote_changed(session, quote, "rejected", reason=text)
    return quote
