"""Moving a placed order forward: approval steps from the policy, then the credit check, then submitted."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import timedelta
from decimal import Decimal

from sqlmodel import Session, select

from order_core.actors import Actor
from order_core.approval_rules import policy_or_installed
from order_core.catalog.models import Product
from order_core.credit.holds import hold_for_order
from order_core.credit.services import CreditStatus, peek_credit_line
from order_core.customers.models import EndCustomer
from order_core.errors import invalid
from order_core.orders.cart import PricedLine, content_hash, order_lines
from order_core.orders.lifecycle import transition
from order_core.orders.memo import known_approvals, programs_of, remember_approvals
from order_core.orders.models import Order, OrderApproval, OrderLine
from order_core.orders.states import OrderStatus
from order_core.partners.models import Buyer, Partner
from order_core.payments.incentive_credit import METHOD as CREDIT_METHOD
from order_core.payments.incentive_credit import spend_credit
from order_core.types import utcnow
from quote_engine.approvals import ApprovalPolicy, ApprovalStep, ApprovalSubject
from quote_engine.pricing.totals import stored_extra_discount_percent


def approval_subject(session: Session, order: Order, lines: Sequence[OrderLine]) -> ApprovalSubject:
    """What the approval policy sees of an order: value, discounts, buyer limit, customer, any field."""
    partner = session.get(Partner, order.partner_id)
    buyer = session.get(Buyer, order.buyer_id)
    assert partner is not None and buyer is not None
    customer = session.get(EndCustomer, order.end_customer_id) if order.end_customer_id else None
    programs = programs_of(session, order.partner_id)
    products = {ln.product_id: session.get(Product, ln.product_id) for ln in lines}
    return order_subject(
        order,
        lines,
        partner=partner,
        buyer=buyer,
        program=programs[0].code if programs else "",
        customer=customer,
        categories={p.category for p in products.values() if p is not None},
    )


def order_subject(
    order: Order,
    lines: Sequence[PricedLine],
    *,
    partner: Partner,
    buyer: Buyer,
    program: str,
    customer: EndCustomer | None,
    categories: Collection[str],
) -> ApprovalSubject:
    """The approval subject of ``order`` from its lines and the records around it (no reads)."""
    discounts = [
        (ln.unit_list - ln.unit_net) / ln.unit_list * 100 for ln in lines if ln.unit_list > 0
    ]
    return ApprovalSubject(
        kind="order",
        currency=order.currency,
        total=order.net_total,
        list_total=order.list_total,
        max_line_discount_pct=round(max(discounts, default=0), 2),
        max_line_extra_discount_pct=max(
            (
                stored_extra_discount_percent(ln.trace, ln.unit_list, ln.quantity, ln.line_total)
                for ln in lines
            ),
            default=Decimal(0),
        ),
        partner_id=str(order.partner_id),
        tier=partner.tier,
        program=program,
        distributor_id=str(order.distributor_id or ""),
        skus=tuple(ln.sku for ln in lines),
        categories=tuple(sorted(set(categories))),
        customer_country=(customer.country or "") if customer else "",
        buyer_spending_limit=buyer.spending_limit,
        line_count=len(lines),
        attributes={
            "payment_method": order.payment_method,
            "po_number": order.po_number or "",
            "buyer_role": buyer.role,
        },
    )


def open_approvals(
    session: Session, order: Order, policy: ApprovalPolicy, preapproved: Collection[str] = ()
) -> list[OrderApproval]:
    """Create the approval steps the policy asks for (``side:role`` keys in ``preapproved`` are met)."""
    assert order.id is not None
    known = known_approvals(session, order.id)
    if known is None or known:
        for old in session.exec(select(OrderApproval).where(OrderApproval.order_id == order.id)):
            session.delete(old)
        session.flush()
    lines = order_lines(session, order.id)
    steps = policy.required_steps(approval_subject(session, order, lines))
    made = approval_steps(order, steps, preapproved)
    session.add_all(made)
    if made:
        session.flush()
    remember_approvals(session, order.id, made)
    return made


def approval_steps(
    order: Order, steps: Sequence[ApprovalStep], preapproved: Collection[str] = ()
) -> list[OrderApproval]:
    """Approval rows for ``steps`` of the policy (``side:role`` in ``preapproved`` are met); first asked."""
    assert order.id is not None
    made: list[OrderApproval] = []
    for step in steps:
        key = f"{step.side.value}:{step.role}"
        done = key in preapproved
        approval = OrderApproval(
            order_id=order.id,
            step=f"{step.order}:{key}",
            side=step.side.value,
            role=step.role,
            reason=step.reason,
            status="approved" if done else "pending",
            content_hash=order.content_hash if done else None,
            decided_by="quote approval" if done else None,
            decided_at=utcnow() if done else None,
            expires_after_seconds=int(step.expires_after.total_seconds()),
        )
        made.append(approval)
    ask_next(made)
    return made


def ask_next(steps: Sequence[OrderApproval]) -> OrderApproval | None:
    """Start the clock of the first pending step (steps are asked one after the other)."""
    for step in steps:
        if step.status == "pending":
            if step.expires_at is None:
                step.expires_at = utcnow() + timedelta(seconds=step.expires_after_seconds)
            return step
    return None


def refresh_hash(session: Session, order: Order) -> str:
    """Recompute and store the order's content hash from its stored lines."""
    assert order.id is not None
    order.content_hash = content_hash(order, order_lines(session, order.id))
    session.add(order)
    return order.content_hash


def usable_credit_line(session: Session, order: Order) -> CreditStatus:
    """The partner's credit line in the order's currency as committed now (no lock), or a clear refusal."""
    line = peek_credit_line(session, order.partner_id)
    if line is None or line.currency != order.currency:
        raise invalid(
            f"order {order.number}",
            "payment_method",
            f"partner {order.partner_id} has no {order.currency} line of credit; "
            "choose another payment method or ask the vendor to open one",
        )
    return line


def advance_to_submission(session: Session, order: Order, actor: Actor, note: str = "") -> str:
    """After approvals: hold credit (line of credit) and submit, or send to credit review when it does not fit."""
    assert order.id is not None
    if order.payment_method == "credit_line":
        line = usable_credit_line(session, order)
        amount = order.net_total + order.tax_estimate

        def submit() -> None:
            order.submitted_at = utcnow()
            transition(session, order, OrderStatus.SUBMITTED, actor, note or "submitted")

        # A line that does not fit even unlocked goes to review without taking the lock at all.
        fits = line.active and amount <= line.available
        if fits and hold_for_order(
            session,
            order.partner_id,
            order.currency,
            order.id,
            order.number,
            amount,
            actor,
            submit,
        ):
            return order.status
        transition(
            session,
            order,
            OrderStatus.CREDIT_REVIEW,
            actor,
            f"needs {amount} {order.currency}, available {line.available}; sent to credit review",
        )
        return order.status
    order.submitted_at = utcnow()
    transition(session, order, OrderStatus.SUBMITTED, actor, note or "submitted")
    return order.status


def require_po_number(order: Order) -> None:
    """Refuse an order paid by purchase order without a PO number."""
    if order.payment_method == "purchase_order" and not order.po_number:
        raise invalid(
            f"order {order.number}",
            "po_number",
            "is required when paying by purchase order; enter your PO number",
        )


def approval_note(steps: Sequence[OrderApproval]) -> str:
    """The history note of an order waiting for ``steps`` still pending, or "" when none is."""
    waiting = [a for a in steps if a.status == "pending"]
    return (
        f"needs approval by {', '.join(f'{a.side} {a.role}' for a in waiting)}" if waiting else ""
    )


def route_after_placing(
    session: Session,
    order: Order,
    actor: Actor,
    policy: ApprovalPolicy | None,
    preapproved: Collection[str] = (),
) -> str:
    """From draft: to pending_approval when the policy asks for approvals still open, else onward.

    An order paid with incentive credit takes it now (CreditExceeded when it does not suffice).
    """
    require_po_number(order)
    if order.payment_method == CREDIT_METHOD:
        assert order.id is not None
        spend_credit(
            session, order.partner_id, order.currency, order.net_total + order.tax_estimate,
            order.id, order.number,
        )  # fmt: skip
    approvals = open_approvals(session, order, policy_or_installed(policy), preapproved)
    note = approval_note(approvals)
    if note:
        transition(session, order, OrderStatus.PENDING_APPROVAL, actor, note)
        return order.status
    return advance_to_submission(session, order, actor)
