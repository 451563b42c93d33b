"""Deciding an order's approval steps (partner or vendor approvers) and its credit review.

An approval is bound to the order's content: it records the content hash it was given on, and an
order only moves on when every step is approved on the hash of the order as it is stored now.
A changed order (``revise_order``) or a tampered one cannot ride on earlier approvals.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlmodel import Session, col, select

from order_core.actors import Actor, require_vendor
from order_core.audit import record_audit
from order_core.credit.services import lock_credit_line, try_hold
from order_core.errors import AccessDenied, ConflictError, CreditExceeded, invalid
from order_core.orders.access import load_order
from order_core.orders.cart import content_hash, order_lines
from order_core.orders.lifecycle import transition
from order_core.orders.models import Order, OrderApproval
from order_core.orders.states import OrderStatus
from order_core.orders.submission import advance_to_submission, ask_next
from order_core.partners.models import Buyer
from order_core.tx import transactional
from order_core.types import utcnow


def _steps(session: Session, order: Order) -> list[OrderApproval]:
    stmt = (
        select(OrderApproval)
        .where(OrderApproval.order_id == order.id)
        .order_by(col(OrderApproval.id))
    )
    return list(session.exec(stmt))


def _may_decide(actor: Actor, order: Order, step: OrderApproval) -> bool:
    if step.side == "vendor":
        return actor.is_vendor_side and actor.has_role(step.role)
    if actor.kind != "partner" or actor.partner_id != order.partner_id:
        return False
    if actor.buyer_id == order.buyer_id:
        return False  # nobody approves their own order
    return step.role in actor.roles or "admin" in actor.roles


def _verify_content(session: Session, order: Order) -> str:
    assert order.id is not None
    current = content_hash(order, order_lines(session, order.id))
    if current != order.content_hash:
        raise ConflictError(
            f"order {order.number} changed outside the order service (content hash differs); "
            "its approvals are void: revise the order to re-request them"
        )
    return current


def _next_step(session: Session, order: Order, actor: Actor) -> OrderApproval:
    if order.status != OrderStatus.PENDING_APPROVAL:
        raise invalid(f"order {order.number}", "status", f"is {order.status}, not pending_approval")
    pending = [s for s in _steps(session, order) if s.status == "pending"]
    if not pending:
        raise ConflictError(f"order {order.number} has no approval step waiting")
    step = pending[0]  # steps are decided in the policy's order
    if step.expires_at is not None and step.expires_at < utcnow():
        raise ConflictError(
            f"approval step {step.step} of order {order.number} expired at "
            f"{step.expires_at.isoformat(timespec='minutes')}; the buyer must submit the order again"
        )
    if not _may_decide(actor, order, step):
        raise AccessDenied(
            f"{actor.user} may not decide approval step {step.step} of order {order.number}: "
            f"it needs a {step.side} {step.role} (not the order's own buyer)"
        )
    return step


def _decide(
    session: Session, step: OrderApproval, actor: Actor, status: str, bound: str, note: str
) -> None:
    step.status = status
    step.content_hash = bound
    step.decided_by = actor.user
    if actor.kind == "partner" and actor.buyer_id is not None:
        buyer = session.get(Buyer, actor.buyer_id)
        step.decided_by_email = buyer.email if buyer else None
    step.decided_at = utcnow()
    step.note = note
    session.add(step)


@transactional
def approve_order(number: str, *, session: Session, actor: Actor, note: str = "") -> Order:
    """Approve the order's next approval step; when all are approved on this content, it moves on."""
    order = load_order(session, actor, number, lock=True)
    step = _next_step(session, order, actor)
    bound = _verify_content(session, order)
    _decide(session, step, actor, "approved", bound, note)
    session.flush()
    steps = _steps(session, order)
    ask_next(steps)
    record_audit(
        session,
        actor,
        "approve",
        "order",
        number,
        {"step": step.step, "hash": bound},
        partner_id=order.partner_id,
    )
    if all(s.status == "approved" and s.content_hash == bound for s in steps):
        advance_to_submission(session, order, actor, f"approved: {note}" if note else "approved")
    return order


@transactional
def reject_order(number: str, *, session: Session, actor: Actor, note: str) -> Order:
    """Reject the order's next approval step: the order is cancelled with the reason."""
    order = load_order(session, actor, number, lock=True)
    step = _next_step(session, order, actor)
    if not note.strip():
        raise invalid(f"order {number}", "note", "is empty; say why the order is rejected")
    _decide(session, step, actor, "rejected", order.content_hash, note)
    transition(session, order, OrderStatus.CANCELLED, actor, f"rejected at {step.step}: {note}")
    record_audit(
        session,
        actor,
        "reject",
        "order",
        number,
        {"step": step.step, "note": note},
        partner_id=order.partner_id,
    )
    return order


@transactional
def approve_credit(
    number: str,
    *,
    session: Session,
    actor: Actor,
    raise_limit_to: Decimal | None = None,
    note: str = "",
) -> Order:
    """Credit controller approves an order in credit review, optionally raising the limit so it fits.

    The credit line is never over-extended: the hold must fit after any raise, else CreditExceeded.
    """
    require_vendor(actor, "credit_controller", action="decide credit reviews")
    order = load_order(session, actor, number, lock=True)
    if order.status != OrderStatus.CREDIT_REVIEW:
        raise invalid(f"order {number}", "status", f"is {order.status}, not credit_review")
    assert order.id is not None
    line = lock_credit_line(session, order.partner_id)
    assert line is not None
    if raise_limit_to is not None:
        if raise_limit_to < line.credit_limit:
            raise invalid(f"order {number}", "raise_limit_to", "is below the current limit")
        record_audit(
            session,
            actor,
            "set_credit_line",
            "credit_line",
            line.id,
            {"credit_limit": [line.credit_limit, raise_limit_to]},
            partner_id=order.partner_id,
        )
        line.credit_limit = raise_limit_to
    amount = order.net_total + order.tax_estimate
    if not try_hold(session, line, order.id, order.number, amount, actor):
        raise CreditExceeded(
            f"order {number} needs {amount} {order.currency} but only {line.available} is available "
            f"on partner {order.partner_id}'s credit line; raise the limit (raise_limit_to) or reject"
        )
    order.submitted_at = utcnow()
    transition(session, order, OrderStatus.SUBMITTED, actor, note or "credit approved")
    record_audit(
        session,
        actor,
        "approve_credit",
        "order",
        number,
        {"hold": amount},
        partner_id=order.partner_id,
    )
    return order


@transactional
def reject_credit(number: str, *, session: Session, actor: Actor, note: str) -> Order:
    """Credit controller rejects an order in credit review: it is cancelled (nothing was held)."""
    require_vendor(actor, "credit_controller", action="decide credit reviews")
    order = load_order(session, actor, number, lock=True)
    if order.status != OrderStatus.CREDIT_REVIEW:
        raise invalid(f"order {number}", "status", f"is {order.status}, not credit_review")
    transition(session, order, OrderStatus.CANCELLED, actor, f"credit rejected: {note}")
    record_audit(
        session,
        actor,
        "reject_credit",
        "order",
        number,
        {"note": note},
        partner_id=order.partner_id,
    )
    return order


@transactional
def order_approvals(number: str, *, session: Session, actor: Actor) -> list[OrderApproval]:
    """The order's approval steps and their decisions."""
    return _steps(session, load_order(session, actor, number))


@transactional
def expire_approvals(*, session: Session, actor: Actor, now: datetime | None = None) -> list[str]:
    """Send orders whose asked approval step is past its deadline (at ``now``) back to draft
    (scheduled job). The buyer is told by the usual notification and can submit again, which
    asks afresh.
    """
    require_vendor(actor, "admin", action="expire approvals")
    now = now or utcnow()
    stmt = (
        select(OrderApproval)
        .join(Order, col(Order.id) == col(OrderApproval.order_id))
        .where(
            Order.status == OrderStatus.PENDING_APPROVAL,
            OrderApproval.status == "pending",
            col(OrderApproval.expires_at) < now,
        )
    )
    expired: list[str] = []
    for step in list(session.exec(stmt)):
        order = session.get(Order, step.order_id)
        assert order is not None
        if order.status != OrderStatus.PENDING_APPROVAL:
            continue  # two steps of one order expired together
        step.status = "expired"
        session.add(step)
        transition(session, order, OrderStatus.DRAFT, actor, f"approval {step.step} expired")
        record_audit(
            session,
            actor,
            "expire_approval",
            "order",
            order.number,
            {"step": step.step},
            partner_id=order.partner_id,
        )
        expired.append(order.number)
    return expired
