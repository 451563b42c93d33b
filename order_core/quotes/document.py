"""The end customer's quote document: resale prices only, under the reseller's brand (HTML, PDF)."""

from __future__ import annotations

import json

from sqlmodel import Session, col, select

from order_core.customers.models import EndCustomer
from order_core.partners.documents import (
    address_lines,
    partner_brand,
    partner_party,
    payment_terms_days,
)
from order_core.partners.models import Partner
from order_core.quotes.models import Quote, QuoteLine
from order_core.settings import get_settings
from quote_engine.documents import DocumentLine, Party, QuoteDocument, render_quote_html


def customer_party(customer: EndCustomer) -> Party:
    """The end customer as printed: name, full address, e-mail."""
    return Party(
        name=customer.name,
        address_lines=address_lines(
            customer.address, customer.postal_code, customer.city, customer.region, customer.country
        ),
        email=customer.email,
        country=customer.country,
    )


def quote_lines_of(session: Session, quote: Quote) -> list[QuoteLine]:
    """The quote version's stored lines, in order."""
    return list(
        session.exec(
            select(QuoteLine).where(QuoteLine.quote_id == quote.id).order_by(col(QuoteLine.line_no))
        )
    )


def quote_document(
    session: Session, quote: Quote, acceptance_url: str | None = None
) -> QuoteDocument:
    """The end customer's document of ``quote``: the reseller sells at its resale prices.

    Co-branded when the reseller buys through a distributor. No buy price, discount off list or
    margin appears on it.
    """
    partner = session.get(Partner, quote.partner_id)
    assert partner is not None
    customer = session.get(EndCustomer, quote.end_customer_id) if quote.end_customer_id else None
    days = payment_terms_days(session, quote.partner_id, get_settings().invoice_payment_terms_days)
    return QuoteDocument(
        number=quote.number,
        version=quote.version,
        issued_on=(quote.sent_at or quote.created_at).date(),
        valid_until=quote.valid_until,
        locale=quote.locale,
        currency=quote.currency,
        seller=partner_party(session, partner),
        customer=customer_party(customer) if customer is not None else None,
        lines=tuple(
            DocumentLine(
                line_no=r.line_no,
                sku=r.sku,
                name=r.name,
                quantity=r.quantity,
                unit_price=r.unit_resale,
                line_total=r.resale_total,
            )
            for r in quote_lines_of(session, quote)
        ),
        total=quote.resale_total,
        brand=partner_brand(session, quote.partner_id),
        branding=partner_brand(session, quote.distributor_id),
        payment_terms=f"Prices exclude tax. Payment due {days} days after the invoice date."
        if days
        else "Prices exclude tax. Payment due on receipt of the invoice.",
        acceptance_url=acceptance_url,
    )


def render_quote(session: Session, quote: Quote, acceptance_url: str | None = None) -> str:
    """The end customer's HTML of ``quote``."""
    return render_quote_html(quote_document(session, quote, acceptance_url))


def line_traces(quote: Quote) -> dict[int, str]:
    """Each line's price trace (JSON text) from the stored content, by line number."""
    priced = json.loads(quote.content)["priced"]
    return {int(line["line_no"]): json.dumps(line["trace"]) for line in priced["lines"]}
