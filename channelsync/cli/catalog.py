"""``channelsync catalog``: load a catalog file (programs, products, partners, prices, rules, customers)."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from channelsync.cli.core_db import CLI_ACTOR, cli_session
from channelsync.cli.user_files import read_text
from order_core.catalog.loader import LoadResult, load_catalog

app = typer.Typer(
    help="Catalog: programs, products, prices and authorization.", no_args_is_help=True
)


def summary_table(result: LoadResult, title: str) -> Table:
    """A Rich table of what a catalog load held and changed."""
    table = Table(title=title)
    table.add_column("records")
    table.add_column("count", justify="right")
    names = ("programs", "products", "partners", "buyers", "buy_prices", "rules", "customers")
    for name in (*names, "vendor_users"):
        table.add_row(name.replace("_", " "), str(getattr(result, name)))
    table.add_row("changes written", str(result.changes), style="bold")
    return table


@app.command("load")
def load(
    file: Path = typer.Argument(
        ..., help="Catalog YAML file (see channelsync/sample_data/catalog.yaml)."
    ),
) -> None:
    """Load FILE into the database as one transaction; problems are listed with their line numbers."""
    text = read_text(file, "catalog file")
    with cli_session() as session:
        result = load_catalog(
            text, session=session, actor=CLI_ACTOR, source=file.name, base_dir=file.resolve().parent
        )
    Console().print(summary_table(result, f"loaded {file.name}"))
