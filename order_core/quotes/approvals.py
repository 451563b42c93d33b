"""Quote approvals: submit (requests from the policy), decide in step order, delegate, expire.

Every request is bound to (quote id, version, content hash); a decision on a request whose
binding no longer matches the quote is refused, and any change of content withdraws it.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from order_core.actors import Actor
from order_core.approval_rules import installed_policy, policy_or_installed
from order_core.audit import record_audit
from order_core.catalog.models import Product
from order_core.customers.models import EndCustomer
from order_core.deals.models import Deal
from order_core.errors import ConflictError, DomainError
from order_core.partners.models import Buyer, Partner
from order_core.partners.programs import active_programs
from order_core.quotes.access import label, load_quote, require_quote_author
from order_core.quotes.approvers import assign
from order_core.quotes.content import approval_subject, stored_hash_matches
from order_core.quotes.events import notify, quote_changed
from order_core.quotes.models import ApprovalRequest, Quote, QuoteLine
from order_core.quotes.states import QuoteState, check_transition
from order_core.tx import transactional
from order_core.types import utcnow
from quote_engine.approvals import ApprovalPolicy, ApprovalStep, ApprovalSubject

PENDING = "pending"


def subject_of(session: Session, quote: Quote) -> ApprovalSubject:
    """The approval subject of a stored quote version."""
    partner = session.get(Partner, quote.partner_id)
    assert partner is not None
    ids = [
        line.product_id
        for line in session.exec(select(QuoteLine).where(QuoteLine.quote_id == quote.id))
    ]
    products = list(session.exec(select(Product).where(col(Product.id).in_(ids))))
    customer = session.get(EndCustomer, quote.end_customer_id) if quote.end_customer_id else None
    buyer = session.get(Buyer, quote.buyer_id) if quote.buyer_id is not None else None
    deal = session.get(Deal, quote.deal_id) if quote.deal_id is not None else None
    programs = active_programs(session, quote.partner_id)
    return approval_subject(
        quote,
        products,
        tier=partner.tier,
        program=programs[0].code if programs else "",
        customer_country=(customer.country or "") if customer is not None else "",
        buyer_spending_limit=buyer.spending_limit if buyer is not None else None,
        deal_registered=deal is not None and deal.registration_status == "approved",
    )


def requests_of(
    session: Session, quote: Quote, *, pending_only: bool = False
) -> list[ApprovalRequest]:
    stmt = select(ApprovalRequest).where(
        ApprovalRequest.quote_id == quote.id, ApprovalRequest.quote_version == quote.version
    )
    if pending_only:
        stmt = stmt.where(ApprovalRequest.decision == PENDING)
    return list(session.exec(stmt.order_by(col(ApprovalRequest.step_order))))


def activate(session: Session, quote: Quote, request: ApprovalRequest, now: datetime) -> None:
    """Start a step's turn: its deadline runs from now and its approver is notified."""
    request.activated_at = now
    request.expires_at = now + timedelta(seconds=request.expires_after_seconds)
    session.add(request)
    to = [request.delegated_to or request.approver]
    notify(
        session,
        quote,
        "approval_requested",
        to=to,
        request_id=request.id,
        step=request.step_order,
        side=request.side,
        role=request.role,
        reason=request.reason,
        expires_at=request.expires_at,
    )


def _open_requests(
    session: Session, quote: Quote, steps: list[ApprovalStep], now: datetime
) -> None:
    created: list[ApprovalRequest] = []
    for step in steps:
        who = assign(session, quote.partner_id, step.side, step.role, now.date())
        assert quote.id is not None
        request = ApprovalRequest(
            quote_id=quote.id,
            quote_version=quote.version,
            content_hash=quote.content_hash,
            step_order=step.order,
            side=step.side.value,
            role=step.role,
            rule=step.rule[:400],
            reason=step.reason,
            approver=who.approver,
            approver_buyer_id=who.approver_buyer_id,
            delegated_to=who.delegated_to,
            delegated_buyer_id=who.delegated_buyer_id,
            expires_after_seconds=int(step.expires_after.total_seconds()),
        )
        session.add(request)
        created.append(request)
    session.flush()
    activate(session, quote, created[0], now)


def _route(
    session: Session, quote: Quote, actor: Actor, policy: ApprovalPolicy, now: datetime
) -> None:
    """Move a draft-like quote to approved (no steps needed) or pending_approval with requests."""
    steps = policy.required_steps(subject_of(session, quote))
    if not steps:
        # An approved quote edited to content that needs no step stays approved (on the new content).
        if quote.state != QuoteState.APPROVED:
            check_transition(label(quote), quote.state, QuoteState.APPROVED)
        quote.state = QuoteState.APPROVED
        quote.approved_content_hash = quote.content_hash
        session.add(quote)
        quote_changed(session, quote, "approved", steps=0)
        return
    check_transition(label(quote), quote.state, QuoteState.PENDING_APPROVAL)
    quote.state = QuoteState.PENDING_APPROVAL
    quote.approved_content_hash = None
    session.add(quote)
    _open_requests(session, quote, steps, now)
    quote_changed(session, quote, "approval_requested", steps=len(steps))


def withdraw_requests(session: Session, quote: Quote, decision: str = "superseded") -> int:
    """Close every open request of this quote version (its content changed or it was revised)."""
    closed = 0
    for request in requests_of(session, quote, pending_only=True):
        request.decision = decision
        request.decided_at = utcnow()
        session.add(request)
        closed += 1
    return closed


def restart_approval(session: Session, quote: Quote, actor: Actor, *, reason: str) -> None:
    """After a content change: withdraw old approvals and ask again for the new content."""
    withdraw_requests(session, quote)
    quote.approved_content_hash = None
    record_audit(
        session,
        actor,
        "restart_approval",
        "quote",
        quote.id,
        {"reason": reason},
        partner_id=quote.partner_id,
    )
    _route(session, quote, actor, installed_policy(), utcnow())


@transactional
def submit_quote(
    quote_id: int, *, session: Session, actor: Actor, policy: ApprovalPolicy | None = None
) -> Quote:
    """Submit a draft: approved at once when the policy needs no step, else pending_approval."""
    quote = load_quote(session, actor, quote_id, lock=True)
    require_quote_author(actor, quote.partner_id, action="submit quotes")
    if quote.state != QuoteState.DRAFT:
        raise DomainError(f"quote {label(quote)} is {quote.state}; only a draft can be submitted")
    if not stored_hash_matches(quote):
        raise ConflictError(f"quote {label(quote)}: content does not match its hash; re-price it")
    _route(session, quote, actor, policy_or_installed(policy), utcnow())
    record_audit(
        session,
        actor,
        "submit_quote",
        "quote",
        quote.id,
        {"state": quote.state},
        partner_id=quote.partner_id,
    )
    return quote
