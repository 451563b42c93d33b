"""``channelsync customers``: import and export a partner's end customers as CSV."""

from __future__ import annotations

import sys
from pathlib import Path

import typer
from rich.console import Console

from channelsync.cli.core_db import CLI_ACTOR, cli_session
from channelsync.cli.user_files import check_writable, read_text, write_text
from order_core.customers.csv_io import CSV_COLUMNS, export_customers_csv, import_customers_csv

app = typer.Typer(help="End customers: CSV import and export per partner.", no_args_is_help=True)


@app.command("import")
def import_command(
    file: Path = typer.Argument(
        ..., help=f"CSV with a header row; columns: {', '.join(CSV_COLUMNS)}."
    ),
    partner: int = typer.Option(
        ..., "--partner", help="Id of the partner the customers belong to."
    ),
) -> None:
    """Import FILE for a partner: every row is checked first; all rows are written or none."""
    text = read_text(file, "customer CSV")
    with cli_session() as session:
        result = import_customers_csv(
            text, partner, session=session, actor=CLI_ACTOR, source=file.name
        )
    Console().print(
        f"{file.name}: {len(result.created)} created, {len(result.updated)} updated, "
        f"{len(result.unchanged)} unchanged, {result.associated} newly associated with partner {partner}"
    )


@app.command("export")
def export_command(
    partner: int = typer.Option(
        ..., "--partner", help="Id of the partner whose customers to export."
    ),
    out: Path | None = typer.Option(
        None, "--out", help="File to write (default: standard output)."
    ),
) -> None:
    """Export a partner's end customers as CSV (importing the file again changes nothing)."""
    if out is not None:
        check_writable(out, "customer CSV")
    with cli_session() as session:
        text = export_customers_csv(partner, session=session, actor=CLI_ACTOR)
    if out is None:
        sys.stdout.write(text)
        return
    write_text(out, text, "customer CSV")
    Console(stderr=True).print(f"wrote {text.count(chr(10)) - 1} customer(s) to {out}")
