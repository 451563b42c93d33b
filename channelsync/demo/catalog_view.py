"""Narrow Rich tables of the loaded sample catalog: partners, products and end customers."""

from __future__ import annotations

from rich import box
from rich.table import Table
from sqlmodel import Session

from channelsync.demo.cast import READER
from channelsync.demo.render import money
from order_core.catalog.products import list_prices_of, list_products
from order_core.customers.services import list_customers
from order_core.partners.buyers import list_buyers
from order_core.partners.programs import active_programs
from order_core.partners.services import get_partner, list_partners


def _table(title: str, *columns: str, right: tuple[str, ...] = ()) -> Table:
    table = Table(title=title, box=box.SIMPLE_HEAD, title_justify="left", pad_edge=False)
    for column in columns:
        table.add_column(column, justify="right" if column in right else "left")
    return table


def partners_table(session: Session) -> Table:
    """Partners: name, kind and tier, currency, programs active today, active buyers."""
    table = _table(
        "partners", "name", "kind / tier", "cur", "programs", "buyers", right=("buyers",)
    )
    for partner in list_partners(session=session, actor=READER):
        assert partner.id is not None
        table.add_row(
            partner.name,
            f"{partner.kind} {partner.tier}",
            partner.currency,
            ", ".join(p.code for p in active_programs(session, partner.id)),
            str(len(list_buyers(partner.id, session=session, actor=READER))),
        )
    return table


def products_table(session: Session) -> Table:
    """Products: SKU, name, term (or perpetual), license type and USD list price."""
    table = _table("products", "sku", "name", "term", "license", "list USD", right=("list USD",))
    for product in list_products(session=session, actor=READER):
        prices = list_prices_of(session, product.id or 0)
        table.add_row(
            product.sku,
            product.name,
            f"{product.term_months} mo" if product.term_months else product.kind,
            product.license_type or "-",
            money(prices["USD"], "USD") if "USD" in prices else "",
        )
    return table


def customers_table(session: Session) -> Table:
    """End customers: name, country and reseller of record."""
    table = _table("end customers", "name", "country", "reseller of record")
    for customer in list_customers(session=session, actor=READER):
        record = customer.reseller_of_record_id
        name = get_partner(record, session=session, actor=READER).name if record else "-"
        table.add_row(customer.name, customer.country or "", name)
    return table
