"""Sending a quote to the end customer (document + tokenized link by e-mail), expiry, documents."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, col, select

from order_core.actors import Actor, require_vendor
from order_core.audit import record_audit
from order_core.customers.models import EndCustomer
from order_core.errors import ConflictError, DomainError
from order_core.links import quote_link
from order_core.quotes.access import label, load_quote, require_quote_author
from order_core.quotes.approvals import withdraw_requests
from order_core.quotes.content import stored_hash_matches
from order_core.quotes.document import quote_document, render_quote
from order_core.quotes.events import notify_customer, quote_changed
from order_core.quotes.models import Quote
from order_core.quotes.states import OPEN, QuoteState, check_transition
from order_core.sealing import seal
from order_core.settings import get_settings
from order_core.tx import transactional
from order_core.types import utcnow
from quote_engine.documents import html_to_pdf, render_quote_html


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


def check_approved(quote: Quote) -> None:
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
    """Send an approved quote: store its document and e-mail the end customer a fresh link.

    The document shows the resale prices under the reseller's brand. Only the token's HMAC is
    stored; the e-mail waiting in the outbox carries the token sealed, and the stored document
    has no link.
    """
    quote = load_quote(session, actor, quote_id, lock=True)
    require_quote_author(actor, quote.partner_id, action="send quotes")
    check_transition(label(quote), quote.state, QuoteState.SENT)
    check_approved(quote)
    if quote.valid_until < utcnow().date():
        raise DomainError(f"quote {label(quote)} expired on {quote.valid_until}; revise it")
    token = secrets.token_urlsafe(32)
    url = quote_link(quote.number, quote.version, token)
    quote.acceptance_token_hash = token_hash(token)
    quote.sent_at = utcnow()
    document = quote_document(session, quote)
    quote.document_html = render_quote_html(document)
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
    notify_customer(session, quote, to=recipients, document=document, sealed_token=seal(token))
    quote_changed(session, quote, "sent")
    return SentQuote(quote=quote, acceptance_url=url, token=token)


@transactional
def expire_quotes(*, session: Session, actor: Actor, today: date | None = None) -> int:
    """Expire open quotes whose valid-until date has passed; returns how many.

    A link of an expired quote still opens it, to say plainly that it expired.
    """
    require_vendor(actor, "admin", action="expire quotes")
    day = today or utcnow().date()
    stmt = select(Quote).where(
        col(Quote.state).in_([s.value for s in OPEN]), col(Quote.valid_until) < day
    )
    count = 0
    for quote in list(session.exec(stmt)):
        withdraw_requests(session, quote)
        quote.state = QuoteState.EXPIRED
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
    """The end customer's HTML of the quote: as sent (without its link) once sent, else as now."""
    quote = load_quote(session, actor, quote_id)
    return quote.document_html or render_quote(session, quote)


@transactional
def render_quote_pdf(quote_id: int, *, session: Session, actor: Actor) -> bytes:
    """The end customer's quote as a PDF, from the same HTML (``render_quote_document``)."""
    return html_to_pdf(render_quote_document(quote_id, session=session, actor=actor))
