"""``channelsync demo``: what the project can show so far, on embedded defaults.

Creates or upgrades the schema of CHANNELSYNC_DATABASE_URL (a SQLite file by default), loads the
sample catalog and prints partners, products and end customers.
"""

from __future__ import annotations

from pathlib import Path

from rich.console import Console
from rich.table import Table
from sqlmodel import Session

from channelsync.cli.catalog import summary_table
from channelsync.cli.core_db import CLI_ACTOR, cli_session, database_url
from channelsync.cli.partners import partners_table
from order_core.catalog.loader import load_catalog_file
from order_core.catalog.products import list_prices_of, list_products
from order_core.customers.associations import customer_associations
from order_core.customers.services import list_customers
from order_core.db import upgrade_schema
from order_core.partners.models import Partner

SAMPLE_CATALOG = Path(__file__).resolve().parent.parent / "sample_data" / "catalog.yaml"


def products_table(session: Session) -> Table:
    """A Rich table of the catalog: SKU, name, kind, term, license and list prices."""
    table = Table(title="products")
    for column in ("sku", "name", "category", "kind", "term", "license", "USD", "EUR", "JPY"):
        table.add_column(
            column, justify="right" if column in ("term", "USD", "EUR", "JPY") else "left"
        )
    for product in list_products(session=session, actor=CLI_ACTOR):
        prices = list_prices_of(session, product.id or 0)
        table.add_row(
            product.sku,
            product.name,
            product.category,
            product.kind,
            f"{product.term_months} mo" if product.term_months else "",
            product.license_type or "",
            *(f"{prices[c]:,}" if c in prices else "" for c in ("USD", "EUR", "JPY")),
        )
    return table


def customers_table(session: Session) -> Table:
    """A Rich table of end customers with their reseller of record and associated resellers."""
    table = Table(title="end customers")
    for column in ("id", "name", "country", "email / domain", "reseller of record", "resellers"):
        table.add_column(column)
    for customer in list_customers(session=session, actor=CLI_ACTOR):
        assert customer.id is not None
        record = session.get(Partner, customer.reseller_of_record_id or 0)
        names = []
        for link in customer_associations(customer.id, session=session, actor=CLI_ACTOR):
            partner = session.get(Partner, link.partner_id)
            names.append(f"{partner.name if partner else link.partner_id} ({link.origin})")
        table.add_row(
            str(customer.id),
            customer.name,
            customer.country or "",
            customer.email or customer.domain or "",
            record.name if record else "",
            ", ".join(names),
        )
    return table


def run_demo() -> None:
    """Create / upgrade the database, load the sample catalog and show what is there."""
    console = Console()
    url = database_url()
    console.print(f"[bold]database[/] {url}")
    upgrade_schema(url)
    with cli_session() as session:
        result = load_catalog_file(SAMPLE_CATALOG, session=session, actor=CLI_ACTOR)
        console.print(summary_table(result, f"sample catalog {SAMPLE_CATALOG.name}"))
        console.print(partners_table(session))
        console.print(products_table(session))
        console.print(customers_table(session))
