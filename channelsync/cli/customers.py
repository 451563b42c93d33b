"""``channelsync customers``: import and export a partner's end customers as CSV."""

from __future__ import annotations

import sys
from pathlib import Path

import typer
from rich.console import Console

from channelsync.cli.core_db import CLI_ACTOR, cli_session
from order_core.customers.csv_io import CSV_COLUMNS, export_customers_csv, import_customers_csv
from order_core.errors import DomainError

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
    try:
        text = file.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise DomainError(f"cannot read {file}: {exc.strerror}; check the path") from None
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
    with cli_session() as session:
        text = export_customers_csv(partner, session=session, actor=CLI_ACTOR)
    if out is None:
        sys.stdout.write(text)
        return
    out.write_text(text, encoding="utf-8")
    Console(stderr=True).print(f"wrote {text.count(chr(10)) - 1} customer(s) to {out}")
