"""``channelsync commissions``: the monthly run, approving and paying a period, a partner's statement."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.console import Console

from channelsync.cli.core_db import CLI_ACTOR, cli_session, database_url
from channelsync.cli.user_files import check_writable, write_text
from order_core.commissions.documents import statement_csv, statement_html
from order_core.commissions.run import run_commissions
from order_core.commissions.services import approve_period, mark_period_paid, partner_statements
from order_core.db import make_engine
from quote_engine.money import round_money

app = typer.Typer(
    help="Commissions, rebates and credits: runs and statements.", no_args_is_help=True
)

_PERIOD = typer.Option(..., "--period", help="The month, YYYY-MM.")


@app.command("run")
def run_command(period: str = _PERIOD) -> None:
    """Accrue, claw back and build the statements of a month (idempotent)."""
    engine = make_engine(database_url())
    try:
        report = run_commissions(engine, period, actor=CLI_ACTOR)
    finally:
        engine.dispose()
    Console().print(json.dumps(report.as_dict(), indent=2), highlight=False)


@app.command("approve")
def approve_command(period: str = _PERIOD) -> None:
    """Approve a month's statements: their amounts are frozen."""
    with cli_session() as session:
        row = approve_period(period, session=session, actor=CLI_ACTOR)
        Console().print(f"commission period {row.period}: {row.state}", highlight=False)


@app.command("pay")
def pay_command(period: str = _PERIOD) -> None:
    """Mark an approved month's statements paid."""
    with cli_session() as session:
        row = mark_period_paid(period, session=session, actor=CLI_ACTOR)
        Console().print(f"commission period {row.period}: {row.state}", highlight=False)


@app.command("statement")
def statement_command(
    partner: int = typer.Option(..., "--partner", help="Partner id."),
    period: str = _PERIOD,
    out: Path = typer.Option(..., "--out", help="File to write: .csv or .html."),
) -> None:
    """Write a partner's statement of a month as CSV or HTML."""
    if out.suffix.lower() not in (".csv", ".html"):
        raise typer.BadParameter(
            f"{out} must end in .csv or .html (the format written)", param_hint="--out"
        )
    check_writable(out, "statement")
    with cli_session() as session:
        found = partner_statements(partner, period, session=session, actor=CLI_ACTOR)
        text = (
            statement_csv(found) if out.suffix.lower() == ".csv" else statement_html(session, found)
        )
    write_text(out, text, "statement")
    totals = ", ".join(f"{round_money(s.total, s.currency)} {s.currency}" for s in found)
    Console().print(
        f"partner {partner} {period}: total {totals}; written to {out}", highlight=False
    )
