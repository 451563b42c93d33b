"""Deciding quote approval steps: approve / reject in step order, delegate, expire unanswered requests."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select

from order_core.actors import Actor, require_vendor
from order_core.audit import record_audit
from order_core.errors import AccessDenied, ConflictError, NotFoundError
from order_core.partners.models import Buyer
from order_core.quotes.access import label, load_quote
from order_core.quotes.approvals import PENDING, activate, requests_of, withdraw_requests
from order_core.quotes.approvers import may_decide
from order_core.quotes.content import stored_hash_matches
from order_core.quotes.events import notify, quote_changed
from order_core.quotes.models import ApprovalRequest, Quote
from order_core.quotes.states import QuoteState, check_transition
from order_core.tx import transactional
from order_core.types import utcnow
from quote_engine.approvals import ApprovalSide


def _load_request(session: Session, actor: Actor, request_id: int) -> tuple[ApprovalRequest, Quote]:
    request = session.get(ApprovalRequest, request_id)
    if request is None:
        raise NotFoundError(f"approval request {request_id} not found")
    quote = load_quote(session, actor, request.quote_id, lock=True)
    session.refresh(request)  # read after the quote's lock: a concurrent decision is seen
    return request, quote


def _check_live(request: ApprovalRequest, quote: Quote, now: datetime) -> None:
    where = f"approval request {request.id} of quote {label(quote)}"
    if request.decision != PENDING:
        raise ConflictError(f"{where} is already {request.decision}; nothing to decide")
    bound = (
        request.quote_version == quote.version
        and request.content_hash == quote.content_hash
        and stored_hash_matches(quote)
        and quote.state == QuoteState.PENDING_APPROVAL
    )
    if not bound:
        raise ConflictError(
            f"{where} no longer matches the quote's content; a new request is needed"
        )
    if request.activated_at is None:
        raise ConflictError(f"{where}: step {request.step_order} waits for the earlier steps")
    if request.expires_at is not None and request.expires_at <= now:
        raise ConflictError(
            f"{where} expired at {request.expires_at.isoformat()}; resubmit the quote"
        )


@transactional
def decide_approval(
    request_id: int,
    approve: bool,
    *,
    session: Session,
    actor: Actor,
    comment: str | None = None,
    now: datetime | None = None,
) -> ApprovalRequest:
    """Approve or reject one step; the last approval approves the quote, a rejection returns it to draft."""
    moment = now or utcnow()
    request, quote = _load_request(session, actor, request_id)
    _check_live(request, quote, moment)
    if not may_decide(actor, request, quote):
        raise AccessDenied(
            f"{actor.user} may not decide approval request {request_id} of quote {label(quote)}: "
            f"it needs the {request.side} approver {request.delegated_to or request.approver}"
        )
    request.decision = "approved" if approve else "rejected"
    request.decided_by = actor.user
    request.decided_at = moment
    request.comment = comment
    session.add(request)
    record_audit(
        session,
        actor,
        "approve_quote_step" if approve else "reject_quote_step",
        "quote",
        quote.id,
        {"request": request.id, "step": request.step_order, "comment": comment},
        partner_id=quote.partner_id,
    )
    if not approve:
        withdraw_requests(session, quote)
        check_transition(label(quote), quote.state, QuoteState.DRAFT)
        quote.state = QuoteState.DRAFT
        session.add(quote)
        notify(session, quote, "approval_rejected", to=[quote.created_by], comment=comment)
        quote_changed(session, quote, "approval_rejected")
        return request
    remaining = requests_of(session, quote, pending_only=True)
    if remaining:
        activate(session, quote, remaining[0], moment)
        return request
    quote.state = QuoteState.APPROVED
    quote.approved_content_hash = quote.content_hash
    session.add(quote)
    notify(session, quote, "quote_approved", to=[quote.created_by])
    quote_changed(session, quote, "approved")
    return request


@transactional
def delegate_approval(
    request_id: int, to: str, *, session: Session, actor: Actor, to_buyer_id: int | None = None
) -> ApprovalRequest:
    """The approver names a substitute who may decide this request (a vendor user or a partner buyer)."""
    request, quote = _load_request(session, actor, request_id)
    _check_live(request, quote, utcnow())
    if not may_decide(actor, request, quote):
        raise AccessDenied(f"{actor.user} may not delegate approval request {request_id}")
    if request.side == ApprovalSide.PARTNER.value:
        buyer = session.get(Buyer, to_buyer_id) if to_buyer_id is not None else None
        if buyer is None or buyer.partner_id != quote.partner_id or not buyer.active:
            raise NotFoundError(f"buyer {to_buyer_id} not found at this partner")
        request.delegated_to, request.delegated_buyer_id = buyer.email, buyer.id
    else:
        request.delegated_to = to
    session.add(request)
    record_audit(
        session,
        actor,
        "delegate_quote_step",
        "quote",
        quote.id,
        {"request": request.id, "to": request.delegated_to},
        partner_id=quote.partner_id,
    )
    notify(
        session, quote, "approval_delegated", to=[request.delegated_to or to], request_id=request.id
    )
    return request


@transactional
def expire_approval_requests(*, session: Session, actor: Actor, now: datetime | None = None) -> int:
    """Expire unanswered active requests past their deadline; their quotes return to draft."""
    require_vendor(actor, "admin", action="expire approval requests")
    moment = now or utcnow()
    stmt = select(ApprovalRequest).where(
        ApprovalRequest.decision == PENDING,
        col(ApprovalRequest.expires_at).is_not(None),
        col(ApprovalRequest.expires_at) <= moment,
    )
    count = 0
    for request in list(session.exec(stmt)):
        quote = session.get(Quote, request.quote_id)
        assert quote is not None
        request.decision, request.decided_at = "expired", moment
        session.add(request)
        withdraw_requests(session, quote)
        if quote.state == QuoteState.PENDING_APPROVAL:
            quote.state = QuoteState.DRAFT
            session.add(quote)
        record_audit(
            session,
            actor,
            "expire_quote_step",
            "quote",
            quote.id,
            {"request": request.id},
            partner_id=quote.partner_id,
        )
        notify(session, quote, "approval_expired", to=[quote.created_by], request_id=request.id)
        quote_changed(session, quote, "approval_expired")
        count += 1
    return count


@transactional
def quote_approvals(quote_id: int, *, session: Session, actor: Actor) -> list[ApprovalRequest]:
    """Every approval request of a quote version, in step order."""
    return requests_of(session, load_quote(session, actor, quote_id))
