"""Sending a quote (HTML document + tokenized acceptance link), acceptance into an order, declines, expiry."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, col, select

from order_core.actors import Actor, require_partner_access, require_vendor
from order_core.audit import record_audit
from order_core.customers.models import EndCustomer
from order_core.errors import ConflictError, DomainError, NotFoundError, invalid
from order_core.orders.cart import LockedLine
from order_core.orders.checkout import create_order_from_quote
from order_core.partners.models import Buyer, Partner
from order_core.payments.services import methods_allowed
from order_core.quotes.access import label, load_quote, require_quote_author
from order_core.quotes.approvals import withdraw_requests
from order_core.quotes.content import stored_hash_matches
from order_core.quotes.document import line_traces, render_quote
from order_core.quotes.events import notify, quote_changed
from order_core.quotes.models import ApprovalRequest, Quote, QuoteLine
from order_core.quotes.states import OPEN, QuoteState, check_transition
from order_core.settings import get_settings
from order_core.tx import transactional
from order_core.types import utcnow


@dataclass(frozen=True)
class SentQuote:
    """A sent quote, its acceptance link and the raw token (shown once; only its hash is stored)."""

    quote: Quote
    acceptance_url: str
    token: str


def token_hash(token: str) -> str:
    """Keyed SHA-256 of an acceptance token (the stored form)."""
    key = get_settings().quote_link_secret.get_secret_value().encode()
    return hmac.new(key, token.encode(), hashlib.sha256).hexdigest()


def _check_approved(quote: Quote) -> None:
    """Refuse unless the approval on record is for exactly this version's current content."""
    if (
        quote.state not in (QuoteState.APPROVED, QuoteState.SENT)
        or quote.approved_content_hash != quote.content_hash
        or not stored_hash_matches(quote)
    ):
        raise ConflictError(
            f"quote {label(quote)} has no approval for its current content; submit it for approval"
        )


@transactional
def send_quote(quote_id: int, *, session: Session, actor: Actor) -> SentQuote:
    """Send an approved quote: store its HTML and issue a fresh acceptance link to the end customer."""
    quote = load_quote(session, actor, quote_id, lock=True)
    require_quote_author(actor, quote.partner_id, action="send quotes")
    check_transition(label(quote), quote.state, QuoteState.SENT)
    _check_approved(quote)
    if quote.valid_until < utcnow().date():
        raise DomainError(f"quote {label(quote)} expired on {quote.valid_until}; revise it")
    token = secrets.token_urlsafe(32)
    base = get_settings().public_base_url.rstrip("/")
    url = f"{base}/quotes/{quote.number}/v{quote.version}/accept?token={token}"
    quote.acceptance_token_hash = token_hash(token)
    quote.sent_at = utcnow()
    quote.document_html = render_quote(session, quote, url)
    quote.state = QuoteState.SENT
    session.add(quote)
    record_audit(
        session,
        actor,
        "send_quote",
        "quote",
        quote.id,
        {"state": "sent"},
        partner_id=quote.partner_id,
    )
    customer = session.get(EndCustomer, quote.end_customer_id) if quote.end_customer_id else None
    recipients = [customer.email] if customer is not None and customer.email else [quote.created_by]
    notify(session, quote, "quote_sent", to=recipients, acceptance_url=url)
    quote_changed(session, quote, "sent")
    return SentQuote(quote=quote, acceptance_url=url, token=token)


def _by_link(session: Session, actor: Actor, number: str, version: int, token: str) -> Quote:
    quote = session.exec(
        select(Quote)
        .where(Quote.number == number, Quote.version == version)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).first()
    if quote is None:
        raise NotFoundError(f"quote {number} v{version} not found")
    require_partner_access(actor, quote.partner_id, what=f"quote {number}")
    stored = quote.acceptance_token_hash or ""
    if not hmac.compare_digest(stored, token_hash(token)) or not stored:
        raise NotFoundError(f"quote {number} v{version}: the acceptance link is not valid")
    return quote


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
) -> int:
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
    rows = session.exec(
        select(QuoteLine).where(QuoteLine.quote_id == quote.id).order_by(col(QuoteLine.line_no))
    )
    lines = [
        LockedLine(
            sku=r.sku,
            quantity=r.quantity,
            unit_list=r.unit_list,
            unit_net=r.unit_net,
            line_total=r.line_total,
            trace=traces.get(r.line_no, "[]"),
        )
        for r in rows
    ]
    approved = session.exec(
        select(ApprovalRequest).where(
            ApprovalRequest.quote_id == quote.id,
            ApprovalRequest.quote_version == quote.version,
            ApprovalRequest.content_hash == quote.content_hash,
            ApprovalRequest.decision == "approved",
        )
    )
    order = create_order_from_quote(
        quote.id,
        session=session,
        actor=actor,
        partner_id=quote.partner_id,
        buyer_id=_order_buyer(session, quote),
        currency=quote.currency,
        lines=lines,
        payment_method=payment_method,
        po_number=po,
        end_customer_id=quote.end_customer_id,
        preapproved=[f"{a.side}:{a.role}" for a in approved],
    )
    assert order.id is not None
    return order.id


@transactional
def accept_quote(
    number: str,
    version: int,
    token: str,
    accepted_by: str,
    *,
    session: Session,
    actor: Actor,
    payment_method: str | None = None,
    po_number: str | None = None,
) -> Quote:
    """Accept a sent quote through its link: record who and when, and convert it to an order."""
    quote = _by_link(session, actor, number, version, token)
    if not accepted_by.strip():
        raise invalid(
            f"quote {label(quote)}", "accepted_by", "give the name or e-mail of who accepts"
        )
    if quote.valid_until < utcnow().date():
        raise DomainError(
            f"quote {label(quote)} expired on {quote.valid_until}; ask for a new quote"
        )
    check_transition(label(quote), quote.state, QuoteState.ACCEPTED)
    _check_approved(quote)
    quote.state = QuoteState.ACCEPTED
    quote.accepted_by = accepted_by.strip()[:200]
    quote.accepted_at = utcnow()
    quote.acceptance_token_hash = None  # a link works once
    quote.order_id = _convert(session, actor, quote, payment_method, po_number)
    session.add(quote)
    record_audit(
        session,
        actor,
        "accept_quote",
        "quote",
        quote.id,
        {"accepted_by": quote.accepted_by, "order_id": quote.order_id},
        partner_id=quote.partner_id,
    )
    notify(session, quote, "quote_accepted", to=[quote.created_by], accepted_by=quote.accepted_by)
    quote_changed(session, quote, "accepted", accepted_by=quote.accepted_by)
    return quote


@transactional
def decline_quote(
    number: str, version: int, token: str, reason: str, *, session: Session, actor: Actor
) -> Quote:
    """The end customer declines a sent quote through its link."""
    quote = _by_link(session, actor, number, version, token)
    check_transition(label(quote), quote.state, QuoteState.REJECTED)
    quote.state = QuoteState.REJECTED
    quote.acceptance_token_hash = None
    session.add(quote)
    record_audit(
        session,
        actor,
        "decline_quote",
        "quote",
        quote.id,
        {"reason": reason},
        partner_id=quote.partner_id,
    )
    notify(session, quote, "quote_declined", to=[quote.created_by], reason=reason)
    quote_changed(session, quote, "rejected", reason=reason)
    return quote


@transactional
def expire_quotes(*, session: Session, actor: Actor, today: date | None = None) -> int:
    """Expire open quotes whose valid-until date has passed; returns how many."""
    require_vendor(actor, "admin", action="expire quotes")
    day = today or utcnow().date()
    stmt = select(Quote).where(
        col(Quote.state).in_([s.value for s in OPEN]), col(Quote.valid_until) < day
    )
    count = 0
    for quote in list(session.exec(stmt)):
        withdraw_requests(session, quote)
        quote.state = QuoteState.EXPIRED
        quote.acceptance_token_hash = None
        session.add(quote)
        record_audit(
            session,
            actor,
            "expire_quote",
            "quote",
            quote.id,
            {"state": "expired"},
            partner_id=quote.partner_id,
        )
        quote_changed(session, quote, "expired")
        count += 1
    return count


@transactional
def render_quote_document(quote_id: int, *, session: Session, actor: Actor) -> str:
    """The quote's HTML: as sent (with its link) once sent, else rendered now without a link."""
    quote = load_quote(session, actor, quote_id)
    return quote.document_html or render_quote(session, quote)
