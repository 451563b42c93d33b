"""``channelsync renewals``: the daily renewal run for a date, and the subscriptions due to renew."""

from __future__ import annotations

import json
import re
from datetime import date

import typer
from rich.console import Console

from channelsync.cli.core_db import CLI_ACTOR, cli_session, database_url
from order_core.db import make_engine
from order_core.renewals.run import run_renewals
from order_core.renewals.terms import due_renewals
from order_core.types import utcnow
from quote_engine.money import round_money

app = typer.Typer(
    help="Subscription renewals: notices, renewal quotes, lapses.", no_args_is_help=True
)

_WITHIN = re.compile(r"^(\d{1,4})d$")


def _day(text: str | None) -> date:
    if text is None:
        return utcnow().date()
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(
            f"{text!r} is not a date; give it as YYYY-MM-DD, e.g. 2027-03-01", param_hint="--as-of"
        ) from None


def _days(text: str) -> int:
    found = _WITHIN.match(text.strip())
    if found is None:
        raise typer.BadParameter(
            f"{text!r} is not a number of days; give it as e.g. 90d", param_hint="--due-within"
        )
    return int(found[1])


@app.command("run")
def run_command(
    as_of: str | None = typer.Option(None, "--as-of", help="The day to run for (default today)."),
) -> None:
    """Run the renewals of a day: notices and renewal quotes, auto-renewals, lapses (idempotent)."""
    day = _day(as_of)
    engine = make_engine(database_url())
    try:
        report = run_renewals(engine, day, actor=CLI_ACTOR)
    finally:
        engine.dispose()
    Console().print(json.dumps(report.as_dict(), indent=2), highlight=False)


@app.command("list")
def list_command(
    partner: int | None = typer.Option(None, "--partner", help="Partner id (default: all)."),
    due_within: str = typer.Option("90d", "--due-within", help="Horizon in days, e.g. 90d."),
    as_of: str | None = typer.Option(None, "--as-of", help="Count from this day (default today)."),
) -> None:
    """Active subscriptions ending within the horizon, with their renewal quotes."""
    within, day = _days(due_within), _day(as_of)
    with cli_session() as session:
        due = due_renewals(
            session=session, actor=CLI_ACTOR, partner_id=partner, within_days=within, today=day
        )
    out = Console(highlight=False, soft_wrap=True)
    out.print(f"{len(due)} subscription(s) ending within {within} days of {day.isoformat()}")
    for d in due:
        quoted = "no renewal quote yet"
        if d.resale_total is not None and d.buy_total is not None:
            resale = round_money(d.resale_total, d.currency)
            buy = round_money(d.buy_total, d.currency)
            quoted = f"renewal {d.renewal} {d.state}: customer {resale} {d.currency}, buy {buy} {d.currency}"
        out.print(
            f"subscription {d.subscription_id} (partner {d.partner_id}) {d.sku} x{d.seats} "
            f"ends {d.term_end.isoformat()}: {quoted}",
            markup=False,
        )
