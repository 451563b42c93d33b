"""The reseller's invoice to the end customer, issued when a quote is accepted: resale prices, taxed.

It is kept as the acceptance record (``QuoteAcceptance``): who accepted, the resale lines with
their tax, and the invoice number (one gapless sequence per reseller and year, ``R7-2026-000001``).
"""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal

from sqlmodel import Session, col, select

from order_core.actors import Actor
from order_core.catalog.models import Product
from order_core.customers.models import EndCustomer
from order_core.errors import ConflictError
from order_core.orders.numbering import next_value
from order_core.orders.taxes import place_of_supply
from order_core.partners.details import details_of
from order_core.partners.documents import partner_brand, partner_party, payment_terms_days
from order_core.partners.models import Partner
from order_core.quotes.access import label
from order_core.quotes.customer_link import acceptance_of, quote_by_link
from order_core.quotes.document import customer_party, quote_lines_of
from order_core.quotes.models import Quote, QuoteAcceptance
from order_core.settings import get_settings
from order_core.tax import TaxableLine, default_tax_calculator
from order_core.tx import transactional
from order_core.types import utcnow
from quote_engine.documents import (
    InvoiceDocument,
    InvoiceLine,
    Party,
    html_to_pdf,
    render_invoice_html,
)


def record_acceptance(
    session: Session,
    quote: Quote,
    *,
    name: str,
    email: str | None,
    po_number: str | None,
    order_id: int | None,
) -> QuoteAcceptance:
    """Write the acceptance of ``quote`` with its resale figures, taxed at the place of supply."""
    partner = session.get(Partner, quote.partner_id)
    assert partner is not None and partner.id is not None and quote.id is not None
    customer = session.get(EndCustomer, quote.end_customer_id) if quote.end_customer_id else None
    rows = quote_lines_of(session, quote)
    categories = dict(
        session.exec(
            select(Product.id, Product.category).where(
                col(Product.id).in_([r.product_id for r in rows])
            )
        ).all()
    )
    country, region = place_of_supply(partner, customer)
    taxes = default_tax_calculator().tax_lines(
        country=country,
        region=region,
        currency=quote.currency,
        lines=[TaxableLine(r.sku, categories.get(r.product_id, ""), r.resale_total) for r in rows],
    )
    now = utcnow()
    issued = now.date()
    days = payment_terms_days(session, partner.id, get_settings().invoice_payment_terms_days)
    counter = next_value(session, f"resale-invoice-{partner.id}-{issued.year}")
    lines = [
        {
            "line_no": r.line_no,
            "sku": r.sku,
            "description": r.name,
            "quantity": r.quantity,
            "unit_price": str(r.unit_resale),
            "net_amount": str(r.resale_total),
            "tax_rate": str(t.rate),
            "tax_amount": str(t.amount),
        }
        for r, t in zip(rows, taxes, strict=True)
    ]
    tax_total = sum((t.amount for t in taxes), Decimal(0))
    record = QuoteAcceptance(
        quote_id=quote.id,
        partner_id=partner.id,
        order_id=order_id,
        name=name,
        email=email,
        po_number=po_number,
        accepted_at=now,
        currency=quote.currency,
        lines=json.dumps(lines),
        subtotal=quote.resale_total,
        tax_country=country,
        tax_region=region,
        tax_total=tax_total,
        total=quote.resale_total + tax_total,
        invoice_number=f"R{partner.id}-{issued.year}-{counter:06d}",
        issued_on=issued,
        due_on=issued + timedelta(days=days),
    )
    session.add(record)
    session.flush()
    return record


def invoice_document(session: Session, quote: Quote, record: QuoteAcceptance) -> InvoiceDocument:
    """The reseller's invoice to the end customer as a document (resale prices only)."""
    partner = session.get(Partner, quote.partner_id)
    assert partner is not None and partner.id is not None
    customer = session.get(EndCustomer, quote.end_customer_id) if quote.end_customer_id else None
    bill_to = customer_party(customer) if customer is not None else Party(name=record.name)
    details = details_of(session, partner.id)
    days = (record.due_on - record.issued_on).days
    references = [f"Quote {label(quote)} accepted by {record.name}"]
    if record.po_number:
        references.append(f"Your PO {record.po_number}")
    place = "-".join(p for p in (record.tax_country, record.tax_region) if p)
    return InvoiceDocument(
        number=record.invoice_number,
        issued_on=record.issued_on,
        due_on=record.due_on,
        locale=quote.locale,
        currency=record.currency,
        issuer=partner_party(session, partner),
        bill_to=bill_to,
        references=tuple(references),
        lines=tuple(InvoiceLine.model_validate(line) for line in json.loads(record.lines)),
        subtotal=record.subtotal,
        tax_label=f"Tax ({place})",
        tax_total=record.tax_total,
        total=record.total,
        payment_terms=f"Net {days} days" if days else "Due on receipt",
        payment_instructions=(details.payment_instructions or "") if details is not None else "",
        brand=partner_brand(session, partner.id),
        branding=partner_brand(session, quote.distributor_id),
    )


def _accepted(session: Session, quote: Quote) -> QuoteAcceptance:
    record = acceptance_of(session, quote)
    if record is None:
        raise ConflictError(f"quote {label(quote)} is not accepted: it has no invoice yet")
    return record


@transactional
def customer_invoice_html(
    number: str, version: int, token: str, *, session: Session, actor: Actor
) -> str:
    """The end customer's invoice of an accepted quote, as HTML, for the link's holder."""
    quote = quote_by_link(session, actor, number, version, token)
    return render_invoice_html(invoice_document(session, quote, _accepted(session, quote)))


@transactional
def customer_invoice_pdf(
    number: str, version: int, token: str, *, session: Session, actor: Actor
) -> bytes:
    """The end customer's invoice of an accepted quote, as a PDF, for the link's holder."""
    return html_to_pdf(customer_invoice_html(number, version, token, session=session, actor=actor))
