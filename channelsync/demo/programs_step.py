"""Demo step 6: the partner programs' runs through Dagster: today's renewal run and this
month's commission run (its accruals and statements), under a rebate program the channel admin
sets up once."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from rich.console import Console
from sqlmodel import Session, select

from channelsync.demo.cast import CHANNEL_ADMIN
from channelsync.demo.orchestra import Orchestra
from dagster_defs.periodic import COMMISSIONS, RENEWALS
from dagster_defs.settings import DagsterSettings
from order_core.commissions.models import IncentiveProgram
from order_core.commissions.services import create_program

Figures = dict[str, object]
REBATE = "DEMO-REBATE"


def _figures(orchestra: Orchestra, job: str, partition: str) -> Figures:
    result = orchestra.run(job, tags={"dagster/partition": partition})
    (event,) = result.get_asset_materialization_events()
    return {k: v.value for k, v in event.materialization.metadata.items()}


def ensure_rebate(session: Session) -> None:
    """The demo's rebate program (2% of the resellers' invoiced purchases), unless a run made it."""
    found = session.exec(select(IncentiveProgram).where(IncentiveProgram.code == REBATE)).first()
    if found is None:
        create_program(
            REBATE,
            "Demo reseller rebate",
            [(Decimal(0), Decimal(2))],
            session=session,
            actor=CHANNEL_ADMIN,
            kind="rebate",
        )
    session.commit()  # no transaction left open while the jobs write (SQLite)


def run_programs(
    orchestra: Orchestra, session: Session, console: Console
) -> tuple[Figures, Figures]:
    """The renewal run of today and the commission run of this month; their figures."""
    console.rule("6. renewals (renewals_job) and commissions (commissions_job)")
    ensure_rebate(session)
    today = datetime.now(ZoneInfo(DagsterSettings().timezone)).date()
    renewal = _figures(orchestra, "renewals_job", today.isoformat())
    commission = _figures(orchestra, "commissions_job", today.replace(day=1).isoformat())
    console.print(
        f"{RENEWALS.to_user_string()} {today}: {renewal['checked']} subscription(s) checked, "
        f"{renewal['renewals_created']} renewal quote(s), {renewal['notices_sent']} notice(s)"
    )
    console.print(
        f"{COMMISSIONS.to_user_string()} {commission['period']}: {commission['accrued']} "
        f"accrual(s), {commission['statements']} statement(s)"
    )
    return renewal, commission


def program_row(renewal: Figures, commission: Figures) -> tuple[str, str]:
    """The summary row of the two runs."""
    return (
        "renewals, commissions",
        f"{renewal['renewals_created']} renewal quote(s) on {renewal['as_of']}; "
        f"{commission['accrued']} accrual(s), {commission['statements']} statement(s) "
        f"for {commission['period']}",
    )
