"""Where an order is taxed and what the tax comes to (estimate at checkout, exact on the invoice)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal

from sqlmodel import Session

from order_core.catalog.models import Product
from order_core.customers.models import EndCustomer
from order_core.orders.cart import PricedLine, order_lines
from order_core.orders.models import Order, OrderLine
from order_core.partners.models import Partner
from order_core.tax import LineTax, TaxableLine, TaxCalculator, default_tax_calculator


def tax_place(session: Session, order: Order) -> tuple[str, str | None]:
    """The place of supply: the end customer's country / region when known, else the partner's country."""
    customer = None
    if order.end_customer_id is not None:
        customer = session.get(EndCustomer, order.end_customer_id)
    partner = session.get(Partner, order.partner_id)
    assert partner is not None
    return place_of_supply(partner, customer)


def place_of_supply(partner: Partner, customer: EndCustomer | None) -> tuple[str, str | None]:
    """Country and region taxed: the end customer's when its country is known, else the partner's."""
    if customer is not None and customer.country:
        return customer.country.upper(), customer.region
    return partner.country.upper(), None


def tax_for_lines(
    session: Session,
    order: Order,
    lines: list[OrderLine],
    calculator: TaxCalculator | None = None,
) -> list[LineTax]:
    """Tax for each line of ``order`` through the calculator (default: the installed one)."""
    # Products of the order are in the identity map already (checkout loaded them).
    products = {ln.product_id: session.get(Product, ln.product_id) for ln in lines}
    categories = {pid: p.category for pid, p in products.items() if p is not None}
    return line_taxes(order, lines, tax_place(session, order), categories, calculator)


def line_taxes(
    order: Order,
    lines: Sequence[PricedLine],
    place: tuple[str, str | None],
    categories: Mapping[int, str],
    calculator: TaxCalculator | None = None,
) -> list[LineTax]:
    """Tax for each line at ``place`` (country, region), by product category (``{product_id: category}``)."""
    country, region = place
    taxable = [
        TaxableLine(ln.sku, categories.get(ln.product_id, ""), ln.line_total) for ln in lines
    ]
    return (calculator or default_tax_calculator()).tax_lines(
        country=country, region=region, currency=order.currency, lines=taxable
    )


def estimate_tax(session: Session, order: Order) -> Decimal:
    """The tax the order's invoice will carry at today's rates (the credit hold covers it)."""
    assert order.id is not None
    return sum(
        (t.amount for t in tax_for_lines(session, order, order_lines(session, order.id))),
        Decimal(0),
    )
