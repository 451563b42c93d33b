"""After submission: accept (licenses at once), fulfil (invoice), hold / resume, cancel and refund."""

from __future__ import annotations

from decimal import Decimal

from sqlmodel import Session, select

from order_core.actors import Actor, require_vendor
from order_core.audit import record_audit
from order_core.credit.services import release_order_hold
from order_core.errors import AccessDenied, invalid
from order_core.invoices.services import invoices_of_order, issue_credit_note, issue_invoice
from order_core.licenses.models import Subscription
from order_core.licenses.services import issue_licenses, revoke_order_licenses
from order_core.money import check_amount
from order_core.orders.access import load_order
from order_core.orders.lifecycle import transition
from order_core.orders.models import Order
from order_core.orders.states import CREDIT_HELD, HOLDABLE, OrderStatus, check_transition
from order_core.payments.incentive_credit import return_credit
from order_core.quotes.models import QuoteLine
from order_core.tax import TaxCalculator
from order_core.tx import transactional

_BUYER_CANCELLABLE = frozenset(
    {
        OrderStatus.DRAFT,
        OrderStatus.PENDING_APPROVAL,
        OrderStatus.CREDIT_REVIEW,
        OrderStatus.SUBMITTED,
    }
)


@transactional
def accept_order(number: str, *, session: Session, actor: Actor, note: str = "") -> Order:
    """Vendor (sales ops) or the system accepts a submitted order; license keys are issued at once."""
    require_vendor(actor, "sales_ops", action="accept orders")
    order = load_order(session, actor, number, lock=True)
    transition(session, order, OrderStatus.ACCEPTED, actor, note or "accepted")
    licenses = issue_licenses(session, order, actor)
    _quote_resale_prices(session, order)
    record_audit(
        session,
        actor,
        "accept",
        "order",
        number,
        {"licenses": len(licenses)},
        partner_id=order.partner_id,
    )
    return order


def _quote_resale_prices(session: Session, order: Order) -> None:
    """Subscriptions of an order from a quote renew at the end customer's quoted resale price."""
    if order.quote_id is None:
        return
    resale = {
        ln.sku: ln.unit_resale
        for ln in session.exec(select(QuoteLine).where(QuoteLine.quote_id == order.quote_id))
    }
    session.flush()
    for sub in session.exec(select(Subscription).where(Subscription.order_id == order.id)):
        if sub.sku in resale:
            sub.resale_unit_price = resale[sub.sku]
            session.add(sub)


@transactional
def fulfill_order(
    number: str,
    *,
    session: Session,
    actor: Actor,
    note: str = "",
    tax_calculator: TaxCalculator | None = None,
) -> Order:
    """Mark an accepted order fulfilled and issue its invoice (charged to the credit line when on credit)."""
    require_vendor(actor, "sales_ops", action="fulfil orders")
    order = load_order(session, actor, number, lock=True)
    transition(session, order, OrderStatus.FULFILLED, actor, note or "fulfilled")
    invoice = issue_invoice(session, order, actor, tax_calculator)
    transition(session, order, OrderStatus.INVOICED, actor, f"invoice {invoice.number}")
    if invoice.status == "paid":  # paid with incentive credit at checkout
        transition(
            session, order, OrderStatus.PAID, actor, f"invoice {invoice.number} paid with credit"
        )
    record_audit(
        session,
        actor,
        "fulfill",
        "order",
        number,
        {"invoice": invoice.number},
        partner_id=order.partner_id,
    )
    return order


@transactional
def hold_order(number: str, *, session: Session, actor: Actor, note: str) -> Order:
    """Put an order on hold (vendor staff); it resumes later to the status it was held in."""
    require_vendor(actor, "sales_ops", action="put orders on hold")
    order = load_order(session, actor, number, lock=True)
    if order.status not in HOLDABLE:
        check_transition(number, order.status, OrderStatus.ON_HOLD)
    order.held_from = order.status
    transition(session, order, OrderStatus.ON_HOLD, actor, note)
    record_audit(
        session,
        actor,
        "hold",
        "order",
        number,
        {"held_from": order.held_from},
        partner_id=order.partner_id,
    )
    return order


@transactional
def resume_order(number: str, *, session: Session, actor: Actor, note: str = "") -> Order:
    """Release an order from hold, back to the status it was held in."""
    require_vendor(actor, "sales_ops", action="resume orders")
    order = load_order(session, actor, number, lock=True)
    if order.status != OrderStatus.ON_HOLD or order.held_from is None:
        raise invalid(f"order {number}", "status", f"is {order.status}, not on_hold")
    target, order.held_from = order.held_from, None
    transition(session, order, target, actor, note or "resumed")
    record_audit(
        session, actor, "resume", "order", number, {"status": target}, partner_id=order.partner_id
    )
    return order


@transactional
def cancel_order(number: str, *, session: Session, actor: Actor, note: str) -> Order:
    """Cancel an order: its buyer (or a partner admin) before acceptance, vendor staff until fulfilment.

    Any credit hold is released and licenses already issued are revoked.
    """
    order = load_order(session, actor, number, lock=True)
    if not actor.is_vendor_side:
        own = actor.buyer_id == order.buyer_id or "admin" in actor.roles
        if not own or order.status not in _BUYER_CANCELLABLE:
            raise AccessDenied(
                f"{actor.user} may not cancel order {number} in status {order.status}: "
                "buyers cancel their own orders before acceptance; ask the vendor otherwise"
            )
    was = order.held_from if order.status == OrderStatus.ON_HOLD else order.status
    order.held_from = None
    transition(session, order, OrderStatus.CANCELLED, actor, note)
    assert order.id is not None
    released = Decimal(0)
    if order.payment_method == "credit_line" and was in CREDIT_HELD:
        released = release_order_hold(session, order.partner_id, order.id, number, actor, note)
    returned = return_credit(session, order.partner_id, order.id)
    revoked = revoke_order_licenses(session, order, actor)
    record_audit(
        session,
        actor,
        "cancel",
        "order",
        number,
        {
            "released": released,
            "credit_returned": returned,
            "licenses_revoked": revoked,
            "note": note,
        },
        partner_id=order.partner_id,
    )
    return order


@transactional
def refund_order(
    number: str, amount: Decimal, *, session: Session, actor: Actor, note: str
) -> Order:
    """Refund part of what was paid on an order's invoice (vendor finance): partially_refunded.

    Each invoice refunded on gets a credit note for its part, dated today.
    """
    require_vendor(actor, "finance", action="refund orders")
    order = load_order(session, actor, number, lock=True)
    assert order.id is not None
    invoices = invoices_of_order(session, order.id)
    paid = sum((i.amount_paid - i.amount_refunded for i in invoices), Decimal(0))
    if amount <= 0 or amount > paid:
        raise invalid(
            f"order {number}", "amount", f"{amount} must be above 0 and at most the {paid} paid"
        )
    check_amount(f"order {number}", "amount", amount, order.currency)
    remaining = amount
    for invoice in invoices:
        part = min(remaining, invoice.amount_paid - invoice.amount_refunded)
        invoice.amount_refunded += part
        invoice.status = "partially_refunded"
        session.add(invoice)
        if part > 0:
            issue_credit_note(session, invoice, part, note, actor)
        remaining -= part
    order.refunded_total += amount
    if order.status != OrderStatus.PARTIALLY_REFUNDED:
        transition(
            session, order, OrderStatus.PARTIALLY_REFUNDED, actor, f"refund {amount}: {note}"
        )
    record_audit(
        session,
        actor,
        "refund",
        "order",
        number,
        {"amount": amount, "note": note},
        partner_id=order.partner_id,
    )
    return order
