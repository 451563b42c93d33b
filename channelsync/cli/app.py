"""Assembles the command groups; its ``main`` is the CLI's edge: one line and a non-zero exit per failure."""

from __future__ import annotations

import sys

import typer
from rich.console import Console
from rich.markup import escape

from channelsync.cli import (
    catalog,
    commissions,
    customers,
    db,
    demo,
    orders,
    partners,
    prm,
    quote,
    renewals,
    sandbox,
    sync,
    ui,
    web,
)
from channelsync.cli.failures import describe, is_help_request
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
app.add_typer(prm.app, name="prm")
app.add_typer(renewals.app, name="renewals")
app.add_typer(commissions.app, name="commissions")
app.command("demo")(demo.run_demo)
app.command("web")(web.run_web)
app.command("ui")(ui.run_ui)

_err = Console(stderr=True, soft_wrap=True, highlight=False)


def main(argv: list[str] | None = None) -> None:
    """Run the CLI on ``argv`` (default: ``sys.argv``) and exit with its status.

    This is the CLI's edge: every expected failure (see :func:`describe`) becomes one line on
    stderr and a non-zero exit. Click's standalone mode is off so that usage errors pass here
    too; unexpected exceptions (bugs) keep their traceback.
    """
    try:
        status = app(args=argv, prog_name="channelsync", standalone_mode=False)
    except Exception as exc:
        if is_help_request(exc):
            sys.exit(2)  # as in click's standalone mode; the help is already printed
        failure = describe(exc)
        if failure is None:
            raise
        _err.print(f"[bold red]error:[/] {escape(failure.message)}")
        sys.exit(failure.exit_code)
    sys.exit(status if isinstance(status, int) else 0)
