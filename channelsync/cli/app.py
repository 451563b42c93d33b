"""Assembles the command groups and turns domain errors into one clear line and a non-zero exit."""

from __future__ import annotations

import sys

import typer
from rich.console import Console
from sqlalchemy.exc import DBAPIError

from channelsync.cli import catalog, customers, db, demo, orders, partners, quote, sandbox, sync
from order_core.errors import DomainError
from order_core.settings import get_settings

app = typer.Typer(
    name="channelsync",
    help="Channel-commerce sync engine: CRM <-> quote-and-order core.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


@app.callback()
def _fresh_settings() -> None:
    """Read CHANNELSYNC_* settings anew for every command (the environment may have changed)."""
    get_settings.cache_clear()


app.add_typer(db.app, name="db")
app.add_typer(catalog.app, name="catalog")
app.add_typer(partners.app, name="partners")
app.add_typer(customers.app, name="customers")
app.add_typer(quote.app, name="quote")
app.add_typer(orders.app, name="orders")
app.add_typer(sandbox.app, name="sandbox")
app.add_typer(sync.app, name="sync")
app.command("demo")(demo.run_demo)

_err = Console(stderr=True)


def _database_error(exc: DBAPIError) -> str:
    """The driver's first line only: SQLAlchemy's text would add the SQL and its parameters."""
    first = str(exc.orig).strip().splitlines()[0] if exc.orig is not None else type(exc).__name__
    return (
        f"database error: {first}. Check CHANNELSYNC_DATABASE_URL and run "
        "`channelsync db upgrade` to create or upgrade the schema."
    )


def main() -> None:
    """Run the CLI; a user error prints its message (no traceback) and exits with status 1.

    The message stays one line whatever the terminal's width (``soft_wrap``: Rich would otherwise
    break it where a pipe or a log file has no width at all).

    Usage errors and ``typer.Exit`` are handled by click's standalone mode (it exits itself).
    """
    try:
        app()
    except DomainError as exc:
        _err.print(f"[bold red]error:[/] {exc.message}", highlight=False, soft_wrap=True)
        sys.exit(exc.exit_code)
    except DBAPIError as exc:
        _err.print(f"[bold red]error:[/] {_database_error(exc)}", highlight=False, soft_wrap=True)
        sys.exit(1)
