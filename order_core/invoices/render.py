"""Vendor invoice documents: HTML and PDF (the vendor as issuer, co-branded by a distributor) and CSV."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

from sqlmodel import Session

from order_core.actors import Actor
from order_core.invoices.models import Invoice, InvoiceLine
from order_core.invoices.services import get_invoice
from order_core.orders.models import Order
from order_core.partners.documents import partner_brand, partner_party
from order_core.partners.models import Partner
from order_core.settings import get_settings
from order_core.tx import transactional
from quote_engine.documents import InvoiceDocument, Party, html_to_pdf
from quote_engine.documents import InvoiceLine as DocumentInvoiceLine
from quote_engine.documents import render_invoice_html as render_invoice_html_of
from quote_engine.money import round_money

CSV_COLUMNS = (
    "invoice_number", "issued_on", "due_on", "status", "order_number", "line_no", "sku",
    "description", "quantity", "unit_price", "net_amount", "tax_rate", "tax_amount", "currency",
)  # fmt: skip


def _m(value: Decimal, currency: str) -> str:
    return format(round_money(value, currency), "f")


def _lines(text: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in text.split(";") if part.strip())


def vendor_party() -> Party:
    """The vendor as the issuer of its invoices (``CHANNELSYNC_VENDOR_*`` settings)."""
    settings = get_settings()
    return Party(
        name=settings.vendor_name,
        address_lines=_lines(settings.vendor_address),
        tax_id=settings.vendor_tax_id,
    )


def invoice_document(
    session: Session, invoice: Invoice, lines: list[InvoiceLine]
) -> InvoiceDocument:
    """The vendor's invoice to the partner (at buy price) as a document."""
    partner = session.get(Partner, invoice.partner_id)
    order = session.get(Order, invoice.order_id)
    assert partner is not None and order is not None
    references = [f"Order {order.number}"] + ([f"PO {order.po_number}"] if order.po_number else [])
    days = (invoice.due_on - invoice.issued_on).days
    method = invoice.payment_method.replace("_", " ")
    place = "-".join(p for p in (invoice.tax_country, invoice.tax_region) if p)
    return InvoiceDocument(
        number=invoice.number,
        issued_on=invoice.issued_on,
        due_on=invoice.due_on,
        locale=partner.locale or "en_US",
        currency=invoice.currency,
        issuer=vendor_party(),
        bill_to=partner_party(session, partner),
        references=tuple(references),
        lines=tuple(
            DocumentInvoiceLine(
                line_no=ln.line_no,
                sku=ln.sku,
                description=ln.description,
                quantity=ln.quantity,
                unit_price=ln.unit_price,
                net_amount=ln.net_amount,
                tax_rate=ln.tax_rate,
                tax_amount=ln.tax_amount,
            )
            for ln in lines
        ),
        subtotal=invoice.subtotal,
        tax_label=f"Tax ({place})",
        tax_total=invoice.tax_total,
        total=invoice.total,
        status=invoice.status,
        payment_terms=f"{method}, net {days} days" if days else f"{method}, due on receipt",
        payment_instructions="\n".join(_lines(get_settings().invoice_payment_instructions)),
        branding=partner_brand(session, invoice.distributor_id),
    )


@transactional
def render_invoice_html(number: str, *, session: Session, actor: Actor) -> str:
    """The invoice as an HTML page; a distributor's branding (name, colours, logo, footer) when it has one."""
    invoice, lines = get_invoice(number, session=session, actor=actor)
    return render_invoice_html_of(invoice_document(session, invoice, lines))


@transactional
def render_invoice_pdf(number: str, *, session: Session, actor: Actor) -> bytes:
    """The invoice as a PDF, from the same HTML."""
    return html_to_pdf(render_invoice_html(number, session=session, actor=actor))


@transactional
def invoice_csv(number: str, *, session: Session, actor: Actor) -> str:
    """The invoice's lines as CSV text with a header row."""
    invoice, lines = get_invoice(number, session=session, actor=actor)
    order = session.get(Order, invoice.order_id)
    assert order is not None
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for ln in lines:
        writer.writerow(
            [
                invoice.number,
                invoice.issued_on.isoformat(),
                invoice.due_on.isoformat(),
                invoice.status,
                order.number,
                ln.line_no,
                ln.sku,
                ln.description,
                ln.quantity,
                _m(ln.unit_price, invoice.currency),
                _m(ln.net_amount, invoice.currency),
                f"{ln.tax_rate.normalize():f}",
                _m(ln.tax_amount, invoice.currency),
                invoice.currency,
            ]
        )
    return out.getvalue()
