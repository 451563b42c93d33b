"""Assembles the command groups; its ``main`` is the CLI's edge: one line and a non-zero exit per failure."""

from __future__ import annotations

import sys

import typer
from rich.console import Console
from rich.markup import escape

from channelsync.cli.failures import describe, is_help_request
from channelsync.cli.lazy_commands import LazyGroup
from order_core.settings import get_settings


class _Commands(LazyGroup):
    TARGETS = {  # the help lists them in this order, as Typer did
        "demo": "channelsync.cli.demo:run_demo",
        "web": "channelsync.cli.web:run_web",
        "ui": "channelsync.cli.ui:run_ui",
        "db": "channelsync.cli.db:app",
        "catalog": "channelsync.cli.catalog:app",
        "partners": "channelsync.cli.partners:app",
        "customers": "channelsync.cli.customers:app",
        "quote": "channelsync.cli.quote:app",
        "orders": "channelsync.cli.orders:app",
        "sandbox": "channelsync.cli.sandbox:app",
        "sync": "channelsync.cli.sync:app",
        "prm": "channelsync.cli.prm:app",
        "renewals": "channelsync.cli.renewals:app",
        "commissions": "channelsync.cli.commissions:app",
    }


app = typer.Typer(
    name="channelsync",
    help="Channel-commerce sync engine: CRM <-> quote-and-order core.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    cls=_Commands,  # each command group is imported when named (channelsync.cli.lazy_commands)
)


@app.callback()
def _fresh_settings() -> None:
    """Read CHANNELSYNC_* settings anew for every command (the environment may have changed)."""
    get_settings.cache_clear()


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
