"""Assembles the command groups and turns domain errors into one clear line and a non-zero exit."""

from __future__ import annotations

import sys

import typer
from rich.console import Console

from channelsync.cli import catalog, customers, db, demo, orders, partners, quote, sandbox
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
app.command("demo")(demo.run_demo)

_err = Console(stderr=True)


def main() -> None:
    """Run the CLI; a user error prints its message (no traceback) and exits with status 1."""
    try:
        app(standalone_mode=False)
    except DomainError as exc:
        _err.print(f"[bold red]error:[/] {exc.message}", highlight=False)
        sys.exit(exc.exit_code)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except typer.Abort:
        _err.print("aborted")
        sys.exit(1)
    except Exception as exc:  # click usage errors
        import click

        if isinstance(exc, click.ClickException):
            exc.show()
            sys.exit(exc.exit_code)
        raise
