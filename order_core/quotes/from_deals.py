"""Quotes for CRM deals flagged "quote requested": one per deal and CRM stamp, or a reason.

Sales ops tick a box on a deal in their CRM; the pull brings the flag and the deal's line items.
Each request (the deal at the CRM stamp it was flagged with) is handled exactly once: a new quote
priced from the deal's lines, or a revision that supersedes the deal's open quote, submitted to
the approval policy; or a reason (no line items, an unknown product, a quantity that is not a
whole number) when none can be made. Either way a ``crm.deal`` event carries the result back to
the deal and clears the flag there (the flag is the core's to clear, so it does not echo).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from order_core.actors import Actor, require_vendor
from order_core.catalog.models import Product
from order_core.deals.models import Deal, DealLine
from order_core.errors import DomainError, NotFoundError
from order_core.outbox import emit_event
from order_core.pricing_inputs.builder import QuoteLineInput
from order_core.quotes.approvals import submit_quote
from order_core.quotes.models import DealQuoteRequest, Quote
from order_core.quotes.services import create_quote_from_deal, revise_quote
from order_core.quotes.states import OPEN, QuoteState
from order_core.tx import transactional
from order_core.types import utcnow


@dataclass(frozen=True)
class DealQuoteResult:
    """What one request came to: a quote (number, version, state) or the reason there is none."""

    deal_id: int
    outcome: str  # quoted | refused | done before
    quote_number: str | None = None
    quote_version: int | None = None
    quote_state: str | None = None
    reason: str = ""


def _lines(session: Session, deal: Deal) -> tuple[list[QuoteLineInput], str]:
    """The deal's line items as quote lines, or the reason they cannot be quoted."""
    rows = list(
        session.exec(
            select(DealLine)
            .where(col(DealLine.deal_id) == deal.id)
            .order_by(col(DealLine.position), col(DealLine.id))
        )
    )
    if not rows:
        return [], "the deal has no line items; add products to it in the CRM and flag it again"
    skus = {r.sku for r in rows}
    known = set(session.exec(select(Product.sku).where(col(Product.sku).in_(sorted(skus)))))
    unknown = sorted(skus - known)
    if unknown:
        return [], (
            f"product(s) {', '.join(unknown)} are not in the catalog; fix the line items or load "
            "the products, then flag the deal again"
        )
    lines: list[QuoteLineInput] = []
    for row in rows:
        if row.quantity != row.quantity.to_integral_value() or row.quantity <= 0:
            return [], f"line {row.sku}: quantity {row.quantity} is not a whole number above 0"
        discount = row.discount_percent if row.discount_percent else None
        lines.append(QuoteLineInput(row.sku, int(row.quantity), None, discount or None))
    return lines, ""


def _open_quote(session: Session, deal_id: int) -> Quote | None:
    """The deal's latest quote version, if it can still be revised."""
    latest = session.exec(
        select(Quote).where(col(Quote.deal_id) == deal_id).order_by(col(Quote.id).desc())
    ).first()
    if latest is None or QuoteState(latest.state) not in (
        *OPEN,
        QuoteState.REJECTED,
        QuoteState.EXPIRED,
    ):
        return None
    return latest


def _write_back(session: Session, deal: Deal, result: DealQuoteResult, quote: Quote | None) -> None:
    """The ``crm.deal`` event: the quote's number, state and totals, or the reason; the flag off."""
    payload: dict[str, object] = {
        "deal_id": deal.id,
        "source": deal.source,
        "crm_id": deal.crm_id,
        "quote_requested": False,
        "quote_number": result.quote_number,
        "quote_version": result.quote_version,
        "quote_state": result.quote_state,
        "approval_state": None if quote is None else approval_state(quote),
        "currency": None if quote is None else quote.currency,
        "quote_total": None if quote is None else quote.resale_total,
        "note": result.reason,
    }
    emit_event(session, "crm.deal", "deal", deal.id, payload, partner_id=deal.partner_id)


def approval_state(quote: Quote) -> str:
    """How a quote stands with its approvals: pending, rejected, approved or not needed."""
    state = QuoteState(quote.state)
    if state == QuoteState.PENDING_APPROVAL:
        return "pending"
    if state == QuoteState.REJECTED:
        return "rejected"
    return "approved" if quote.approved_content_hash else "not needed"


@transactional
def quote_requested_deal(
    deal_id: int, *, session: Session, actor: Actor, on: date | None = None
) -> DealQuoteResult:
    """Handle a deal's quote request at its current CRM stamp (once; see the module docstring)."""
    require_vendor(actor, "sales_ops", action="quote CRM deals")
    deal = session.exec(select(Deal).where(col(Deal.id) == deal_id).with_for_update()).first()
    if deal is None:
        raise NotFoundError(f"deal {deal_id} not found")
    stamp = deal.crm_modified_at or deal.updated_at
    done = session.exec(
        select(DealQuoteRequest).where(
            col(DealQuoteRequest.deal_id) == deal_id, col(DealQuoteRequest.crm_stamp) == stamp
        )
    ).first()
    if done is not None or not deal.quote_requested or deal.deleted_in_crm:
        return DealQuoteResult(deal_id, "done before" if done else "not requested")
    lines, reason = _lines(session, deal)
    quote: Quote | None = None
    if not reason:
        try:
            with session.begin_nested():
                previous = _open_quote(session, deal_id)
                if previous is not None and previous.id is not None:
                    quote = revise_quote(previous.id, lines, session=session, actor=actor, on=on)
                else:
                    quote = create_quote_from_deal(
                        deal_id, lines, session=session, actor=actor, on=on
                    )
                assert quote.id is not None
                quote = submit_quote(quote.id, session=session, actor=actor)
        except DomainError as exc:
            quote, reason = None, exc.message
    result = (
        DealQuoteResult(deal_id, "quoted", quote.number, quote.version, quote.state)
        if quote is not None
        else DealQuoteResult(deal_id, "refused", reason=reason)
    )
    session.add(
        DealQuoteRequest(
            deal_id=deal_id,
            crm_stamp=stamp,
            outcome=result.outcome,
            quote_id=None if quote is None else quote.id,
            reason=reason,
            created_at=utcnow(),
        )
    )
    _write_back(session, deal, result, quote)
    session.flush()
    return result


def _requested(source: str) -> Any:  # a two-column Select (sqlmodel types it per column)
    """Deals of ``source`` flagged for a quote whose request at their current stamp is not handled."""
    handled = select(DealQuoteRequest.id).where(
        col(DealQuoteRequest.deal_id) == col(Deal.id),
        col(DealQuoteRequest.crm_stamp) == col(Deal.crm_modified_at),
    )
    return (
        select(Deal.id, Deal.crm_modified_at)
        .where(
            col(Deal.source) == source,
            col(Deal.quote_requested).is_(True),
            col(Deal.deleted_in_crm).is_(False),
            ~handled.exists(),
        )
        .order_by(col(Deal.id))
    )


def requested_deals(session: Session, source: str) -> list[int]:
    """Deals of ``source`` flagged for a quote whose request at their current stamp is not handled."""
    ids = [i for i, _ in session.exec(_requested(source)) if i is not None]
    session.rollback()  # nothing is held open while the caller works through them
    return ids


def requested_deal_stamps(
    session: Session, source: str, since: datetime | None = None
) -> list[tuple[int, datetime | None]]:
    """The same requests with the CRM stamp each was flagged at (stamped at or after ``since``, if
    given), for a sensor that asks for one run per deal and stamp."""
    stmt = _requested(source)
    if since is not None:
        stmt = stmt.where(col(Deal.crm_modified_at) >= since)
    found = [(i, stamp) for i, stamp in session.exec(stmt) if i is not None]
    session.rollback()
    return found


def quote_requested_deals(session: Session, source: str, actor: Actor) -> list[DealQuoteResult]:
    """Handle every pending request of ``source``, each in its own transaction (one failing
    request never blocks the others; a request another worker handled meanwhile is skipped)."""
    results = []
    for deal_id in requested_deals(session, source):
        try:
            results.append(quote_requested_deal(deal_id, session=session, actor=actor))
        except IntegrityError:  # another worker recorded the same request first
            results.append(DealQuoteResult(deal_id, "done before"))
    return results
