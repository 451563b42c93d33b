"""``channelsync demo``: the buy-and-resell flow end to end on the core, on embedded defaults.

Creates or upgrades the schema of CHANNELSYNC_DATABASE_URL (a SQLite file by default), loads the
sample catalog, shows it, then runs the flow of ``channelsync.demo.flow`` and writes the quote and
invoice documents to ``./demo-out/``. Every run makes a new quote and order, so it can be re-run.
"""

from __future__ import annotations

from pathlib import Path

from rich.console import Console

from channelsync.cli.catalog import summary_table
from channelsync.cli.core_db import CLI_ACTOR, cli_session, database_url
from channelsync.demo.catalog_view import customers_table, partners_table, products_table
from channelsync.demo.flow import run_flow
from order_core.catalog.loader import load_catalog_file
from order_core.db import upgrade_schema

SAMPLE_CATALOG = Path(__file__).resolve().parent.parent / "sample_data" / "catalog.yaml"
OUT_DIR = Path("demo-out")


def run_demo() -> None:
    """Create / upgrade the database, load and show the sample catalog, then run the flow end to end."""
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
        run_flow(session, console, OUT_DIR)
