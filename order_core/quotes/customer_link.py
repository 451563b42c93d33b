"""The end customer's side of a quote, reached through its link: what it shows and in which state.

A link is (number, version, token); only the token's HMAC is stored, compared in constant time.
Every mismatch gives the same NotFoundError, so a link never tells whether another exists. A
valid link keeps working after the quote was accepted, declined, expired or replaced, to say so
plainly; only an open quote can be accepted or declined.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from sqlmodel import Session, select

from order_core.actors import Actor, require_partner_access
from order_core.errors import ConflictError, NotFoundError
from order_core.partners.models import Partner
from order_core.quotes.access import label
from order_core.quotes.document import quote_document
from order_core.quotes.models import Quote, QuoteAcceptance
from order_core.quotes.sending import token_hash
from order_core.quotes.states import QuoteState
from order_core.tx import transactional
from order_core.types import utcnow
from quote_engine.documents import QuoteDocument, html_to_pdf, render_quote_html


class LinkState(StrEnum):
    """What the end customer can do with a quote version."""

    OPEN = "open"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    EXPIRED = "expired"
    SUPERSEDED = "superseded"


@dataclass(frozen=True)
class Acceptance:
    """Who accepted, when, and the invoice the reseller issued for it."""

    name: str
    accepted_at: datetime
    invoice_number: str


@dataclass(frozen=True)
class CustomerQuote:
    """The end customer's view of a quote version: resale prices only.

    ``message`` says plainly what the state means for the customer; ``newer_version`` is the
    version that replaced this one.
    """

    state: LinkState
    message: str
    document: QuoteDocument
    acceptance: Acceptance | None = None
    newer_version: int | None = None


def quote_by_link(
    session: Session, actor: Actor, number: str, version: int, token: str, *, lock: bool = False
) -> Quote:
    """The quote version the link opens (row-locked with ``lock``); NotFoundError otherwise."""
    stmt = select(Quote).where(Quote.number == number, Quote.version == version)
    if lock:
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    quote = session.exec(stmt).first()
    invalid = NotFoundError(f"quote {number} v{version}: the acceptance link is not valid")
    if quote is None:
        raise invalid
    require_partner_access(actor, quote.partner_id, what=f"quote {number}")
    stored = quote.acceptance_token_hash or ""
    if not hmac.compare_digest(stored, token_hash(token)) or not stored:
        raise invalid
    return quote


def link_state(session: Session, quote: Quote, today: date | None = None) -> tuple[LinkState, str]:
    """The state of a sent quote version for its end customer, and a plain sentence saying it."""
    partner = session.get(Partner, quote.partner_id)
    seller = partner.name if partner is not None else "the seller"
    day = today or utcnow().date()
    if quote.state == QuoteState.ACCEPTED:
        when = quote.accepted_at.date().isoformat() if quote.accepted_at else "earlier"
        return LinkState.ACCEPTED, (
            f"Quote {label(quote)} was already accepted on {when} by {quote.accepted_by}."
        )
    if quote.state == QuoteState.REJECTED:
        return LinkState.DECLINED, (
            f"Quote {label(quote)} was declined. Ask {seller} for a new quote if you changed your mind."
        )
    if quote.state == QuoteState.SUPERSEDED:
        return LinkState.SUPERSEDED, (
            f"Quote {label(quote)} was replaced by a newer version. "
            f"Use the link in the latest e-mail from {seller}."
        )
    if quote.state == QuoteState.EXPIRED or quote.valid_until < day:
        return LinkState.EXPIRED, (
            f"Quote {label(quote)} expired on {quote.valid_until.isoformat()}. "
            f"Ask {seller} for a new quote."
        )
    if quote.state != QuoteState.SENT:
        return LinkState.SUPERSEDED, f"Quote {label(quote)} is being changed by {seller}."
    return LinkState.OPEN, f"Quote {label(quote)} is open until {quote.valid_until.isoformat()}."


def require_open(session: Session, quote: Quote) -> None:
    """ConflictError with the plain sentence unless the end customer can still act on the quote."""
    state, message = link_state(session, quote)
    if state is not LinkState.OPEN:
        raise ConflictError(message)


def acceptance_of(session: Session, quote: Quote) -> QuoteAcceptance | None:
    """The acceptance record of a quote version, or None (no access check)."""
    return session.exec(select(QuoteAcceptance).where(QuoteAcceptance.quote_id == quote.id)).first()


@transactional
def customer_quote(
    number: str, version: int, token: str, *, session: Session, actor: Actor
) -> CustomerQuote:
    """What the end customer's quote page shows for a link: the document, the state, the acceptance."""
    quote = quote_by_link(session, actor, number, version, token)
    state, message = link_state(session, quote)
    record = acceptance_of(session, quote)
    newer = session.get(Quote, quote.superseded_by_id) if quote.superseded_by_id else None
    return CustomerQuote(
        state=state,
        message=message,
        document=quote_document(session, quote),
        acceptance=Acceptance(record.name, record.accepted_at, record.invoice_number)
        if record is not None
        else None,
        newer_version=newer.version if newer is not None else None,
    )


@transactional
def customer_quote_pdf(
    number: str, version: int, token: str, *, session: Session, actor: Actor
) -> bytes:
    """The end customer's quote as a PDF (resale prices only), for the link's holder."""
    quote = quote_by_link(session, actor, number, version, token)
    return html_to_pdf(quote.document_html or render_quote_html(quote_document(session, quote)))
