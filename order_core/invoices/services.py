"""Invoices: issued on fulfillment (numbered, taxed, due by the payment terms), paid, and read partner-scoped."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from sqlmodel import Session, col, select

from order_core.actors import Actor, require_vendor
from order_core.audit import record_audit
from order_core.credit.services import apply_payment, charge_invoice
from order_core.errors import NotFoundError, invalid
from order_core.invoices.models import CreditNote, Invoice, InvoiceLine
from order_core.money import check_amount
from order_core.orders.cart import order_lines
from order_core.orders.lifecycle import transition
from order_core.orders.models import Order
from order_core.orders.numbering import next_invoice_number, next_value
from order_core.orders.states import OrderStatus
from order_core.orders.taxes import tax_for_lines, tax_place
from order_core.settings import get_settings
from order_core.tax import TaxCalculator
from order_core.tx import transactional
from order_core.types import utcnow


def issue_invoice(
    session: Session, order: Order, actor: Actor, calculator: TaxCalculator | None = None
) -> Invoice:
    """Write the order's invoice (inside fulfillment) and charge it to the credit line when on credit."""
    assert order.id is not None
    lines = order_lines(session, order.id)
    taxes = tax_for_lines(session, order, lines, calculator)
    country, region = tax_place(session, order)
    now = utcnow()
    issued_on = now.date()
    subtotal = sum((ln.line_total for ln in lines), Decimal(0))
    tax_total = sum((t.amount for t in taxes), Decimal(0))
    due = (
        issued_on
        if order.payment_method == "card"
        else issued_on + timedelta(days=get_settings().invoice_payment_terms_days)
    )
    invoice = Invoice(
        number=next_invoice_number(session, issued_on.year),
        order_id=order.id,
        partner_id=order.partner_id,
        distributor_id=order.distributor_id,
        currency=order.currency,
        payment_method=order.payment_method,
        tax_country=country,
        tax_region=region,
        subtotal=subtotal,
        tax_total=tax_total,
        total=subtotal + tax_total,
        issued_on=issued_on,
        due_on=due,
    )
    if order.payment_method == "incentive_credit":  # paid with credit at checkout
        invoice.amount_paid, invoice.status, invoice.paid_at = invoice.total, "paid", now
    session.add(invoice)
    session.flush()
    assert invoice.id is not None
    for ln, tax in zip(lines, taxes, strict=True):
        session.add(
            InvoiceLine(
                invoice_id=invoice.id,
                line_no=ln.line_no,
                sku=ln.sku,
                description=ln.name,
                quantity=ln.quantity,
                unit_price=ln.unit_net,
                net_amount=ln.line_total,
                tax_rate=tax.rate,
                tax_amount=tax.amount,
            )
        )
    if order.payment_method == "credit_line":
        charge_invoice(
            session, order.partner_id, order.id, invoice.id, invoice.number, invoice.total, actor
        )
    record_audit(
        session,
        actor,
        "issue",
        "invoice",
        invoice.number,
        {"order": order.number, "total": invoice.total, "tax": tax_total},
        partner_id=order.partner_id,
    )
    return invoice


def _load_invoice(session: Session, actor: Actor, number: str) -> Invoice:
    invoice = session.exec(select(Invoice).where(Invoice.number == number)).first()
    if invoice is None or (not actor.is_vendor_side and actor.partner_id != invoice.partner_id):
        raise NotFoundError(f"invoice {number} not found")
    return invoice


@transactional
def record_payment(
    number: str, amount: Decimal, *, session: Session, actor: Actor, reference: str = ""
) -> Invoice:
    """Record a payment received against an invoice (vendor finance); paid in full moves the order to paid."""
    require_vendor(actor, "finance", action="record payments")
    invoice = _load_invoice(session, actor, number)
    open_amount = invoice.total - invoice.amount_paid
    if amount <= 0 or amount > open_amount:
        raise invalid(
            f"invoice {number}", "amount", f"{amount} must be above 0 and at most {open_amount}"
        )
    check_amount(f"invoice {number}", "amount", amount, invoice.currency)
    assert invoice.id is not None
    invoice.amount_paid += amount
    if invoice.payment_method == "credit_line":
        apply_payment(session, invoice.partner_id, invoice.id, reference or number, amount, actor)
    order = session.get(Order, invoice.order_id)
    assert order is not None
    if invoice.amount_paid == invoice.total:
        invoice.status = "paid"
        invoice.paid_at = utcnow()
        if order.status == OrderStatus.INVOICED:
            transition(
                session,
                order,
                OrderStatus.PAID,
                actor,
                f"invoice {number} paid {reference}".strip(),
            )
    session.add(invoice)
    record_audit(
        session,
        actor,
        "payment",
        "invoice",
        number,
        {"amount": amount, "reference": reference},
        partner_id=invoice.partner_id,
    )
    return invoice


@transactional
def get_invoice(
    number: str, *, session: Session, actor: Actor
) -> tuple[Invoice, list[InvoiceLine]]:
    """An invoice and its lines (partner-scoped)."""
    invoice = _load_invoice(session, actor, number)
    stmt = (
        select(InvoiceLine)
        .where(InvoiceLine.invoice_id == invoice.id)
        .order_by(col(InvoiceLine.line_no))
    )
    return invoice, list(session.exec(stmt))


def issue_credit_note(
    session: Session, invoice: Invoice, amount: Decimal, reason: str, actor: Actor
) -> CreditNote:
    """Write the credit note for ``amount`` refunded on ``invoice`` (inside the refund)."""
    assert invoice.id is not None
    issued_on = utcnow().date()
    note = CreditNote(
        number=f"CN-{issued_on.year}-{next_value(session, f'credit_note-{issued_on.year}'):06d}",
        invoice_id=invoice.id,
        order_id=invoice.order_id,
        partner_id=invoice.partner_id,
        currency=invoice.currency,
        amount=amount,
        reason=reason[:500],
        issued_on=issued_on,
    )
    session.add(note)
    record_audit(
        session, actor, "issue", "credit_note", note.number,
        {"invoice": invoice.number, "amount": amount}, partner_id=invoice.partner_id,
    )  # fmt: skip
    return note


def invoices_of_order(session: Session, order_id: int) -> list[Invoice]:
    """The invoices of an order (no access check; callers loaded the order)."""
    stmt = select(Invoice).where(Invoice.order_id == order_id).order_by(col(Invoice.id))
    return list(session.exec(stmt))
