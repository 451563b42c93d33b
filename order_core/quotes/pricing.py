"""(Re)pricing a quote version: buy side (the waterfall) and resale side (the reseller's price book).

Builds the request, runs quote_engine, stores the content, its hash, the totals and the lines.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from sqlalchemy import delete
from sqlmodel import Session, col

from order_core.catalog.resale_prices import price_book_of
from order_core.customers.models import EndCustomer
from order_core.deals.models import Deal
from order_core.errors import DomainError, NotFoundError
from order_core.partners.models import Partner
from order_core.partners.resale_limits import resale_limits_of
from order_core.pricing_inputs.builder import QuoteLineInput, build_pricing_inputs
from order_core.pricing_rules import rules_or_installed
from order_core.quotes.content import build_content, canonical_json, hash_text
from order_core.quotes.models import Quote, QuoteLine
from quote_engine.errors import PricingError
from quote_engine.pricing import RuleSet, price_cart
from quote_engine.resale import price_resale
from quote_engine.types import HeaderDiscount


def cart_json(lines: Sequence[QuoteLineInput], header: HeaderDiscount | None) -> str:
    """The requested cart as stored on the quote (to re-price a revision or a copy)."""
    data = {
        "lines": [line.to_jsonable() for line in lines],
        "header_discount": header.model_dump(mode="json") if header is not None else None,
    }
    return json.dumps(data, sort_keys=True)


def cart_of(quote: Quote) -> tuple[list[QuoteLineInput], HeaderDiscount | None]:
    """The requested cart of a stored quote."""
    data = json.loads(quote.cart)
    header = data.get("header_discount")
    lines = [QuoteLineInput.from_jsonable(item) for item in data["lines"]]
    return lines, HeaderDiscount.model_validate(header) if header else None


def price_into(
    session: Session,
    quote: Quote,
    lines: Sequence[QuoteLineInput],
    *,
    header: HeaderDiscount | None,
    rules: RuleSet | None,
    on: date,
) -> None:
    """Price ``lines`` for ``quote`` and store the content, its hash, the totals and the line rows.

    Promotion rules are ``rules``, or the installed rules file when None (as orders do).
    """
    label = f"quote {quote.number or '(new)'} v{quote.version}"
    if not lines:
        raise DomainError(
            f"{label}: lines: a quote needs at least one line; add a SKU and quantity"
        )
    partner = session.get(Partner, quote.partner_id)
    if partner is None:
        raise NotFoundError(f"partner {quote.partner_id} not found")
    customer = session.get(EndCustomer, quote.end_customer_id) if quote.end_customer_id else None
    deal = session.get(Deal, quote.deal_id) if quote.deal_id is not None else None
    active = rules_or_installed(rules)
    inputs = build_pricing_inputs(
        session,
        partner,
        lines,
        currency=quote.currency,
        on=on,
        customer=customer,
        deal=deal,
        header_discount=header,
    )
    try:
        result = price_cart(inputs.request, active, today=on)
    except PricingError as exc:
        raise DomainError(f"{label} cannot be priced: {exc.message}") from None
    quote.distributor_id = inputs.distributor.distributor_id if inputs.distributor else None
    categories = {sku: product.category for sku, product in inputs.products.items()}
    resale = price_resale(
        result,
        categories,
        price_book_of(session, partner.id or 0),
        resale_limits_of(session, quote.partner_id, on),
    )
    content = build_content(
        result,
        resale,
        partner_id=quote.partner_id,
        end_customer_id=quote.end_customer_id,
        deal_id=quote.deal_id,
        valid_until=quote.valid_until,
    )
    quote.content = canonical_json(content)
    quote.content_hash = hash_text(quote.content)
    quote.cart = cart_json(lines, header)
    totals = result.totals
    quote.list_total = totals.list_total
    quote.net_total = totals.net_total
    quote.margin = totals.margin
    quote.margin_percent = totals.margin_percent
    quote.resale_total = resale.totals.resale_total
    quote.reseller_margin = resale.totals.margin
    quote.max_line_discount_pct = totals.max_line_discount_percent
    quote.max_line_extra_discount_pct = totals.max_line_extra_discount_percent
    if quote.id is None:
        session.add(quote)
        session.flush()
    else:
        session.execute(delete(QuoteLine).where(col(QuoteLine.quote_id) == quote.id))
    assert quote.id is not None
    for line, resold in zip(result.lines, resale.lines, strict=True):
        product = inputs.products[line.sku]
        assert product.id is not None
        session.add(
            QuoteLine(
                quote_id=quote.id,
                line_no=line.line_no,
                product_id=product.id,
                sku=line.sku,
                name=product.name,
                quantity=line.quantity,
                unit_list=line.unit_list,
                unit_net=line.unit_net,
                line_total=line.line_total,
                discount_percent=line.discount_percent,
                floor_breached=line.floor_breached,
                unit_resale=resold.unit_resale,
                resale_total=resold.resale_total,
                resale_basis=resold.basis[:400],
            )
        )
    session.add(quote)
    session.flush()


def zero() -> Decimal:
    """Placeholder total before pricing."""
    return Decimal(0)
