"""Builds the typed QuoteDocument of a stored quote version and renders its HTML."""

from __future__ import annotations

import json

from sqlmodel import Session, col, select

from order_core.customers.models import EndCustomer
from order_core.partners.branding import branding_of
from order_core.partners.models import Partner
from order_core.quotes.models import Quote, QuoteLine
from quote_engine.documents import CoBranding, DocumentLine, Party, QuoteDocument, render_quote_html


def _customer(customer: EndCustomer) -> Party:
    place = " ".join(p for p in (customer.postal_code, customer.city) if p)
    lines = tuple(p for p in (customer.address, place, customer.country) if p)
    return Party(
        name=customer.name, address_lines=lines, email=customer.email, country=customer.country
    )


def quote_document(
    session: Session, quote: Quote, acceptance_url: str | None = None
) -> QuoteDocument:
    """The document of ``quote`` (co-branded when the reseller buys through a distributor)."""
    partner = session.get(Partner, quote.partner_id)
    assert partner is not None
    customer = session.get(EndCustomer, quote.end_customer_id) if quote.end_customer_id else None
    profile = branding_of(session, quote.distributor_id) if quote.distributor_id else None
    branding = None
    if profile is not None:
        branding = CoBranding(
            display_name=profile.display_name,
            logo_url=profile.logo_url,
            primary_color=profile.primary_color,
            secondary_color=profile.secondary_color,
            footer_text=profile.footer_text,
        )
    rows = session.exec(
        select(QuoteLine).where(QuoteLine.quote_id == quote.id).order_by(col(QuoteLine.line_no))
    )
    issued = (quote.sent_at or quote.created_at).date()
    return QuoteDocument(
        number=quote.number,
        version=quote.version,
        issued_on=issued,
        valid_until=quote.valid_until,
        locale=quote.locale,
        currency=quote.currency,
        seller=Party(name=partner.name, country=partner.country),
        customer=_customer(customer) if customer is not None else None,
        lines=tuple(
            DocumentLine(
                line_no=r.line_no,
                sku=r.sku,
                name=r.name,
                quantity=r.quantity,
                unit_list=r.unit_list,
                unit_net=r.unit_net,
                discount_percent=r.discount_percent,
                line_total=r.line_total,
            )
            for r in rows
        ),
        list_total=quote.list_total,
        net_total=quote.net_total,
        branding=branding,
        acceptance_url=acceptance_url,
    )


def render_quote(session: Session, quote: Quote, acceptance_url: str | None = None) -> str:
    """The HTML of ``quote``."""
    return render_quote_html(quote_document(session, quote, acceptance_url))


def line_traces(quote: Quote) -> dict[int, str]:
    """Each line's price trace (JSON text) from the stored content, by line number."""
    priced = json.loads(quote.content)["priced"]
    return {int(line["line_no"]): json.dumps(line["trace"]) for line in priced["lines"]}
