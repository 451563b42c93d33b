"""Demo step 6: the partner programs' runs through Dagster: today's renewal run and this
month's commission run (its accruals and statements)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from rich.console import Console

from channelsync.demo.orchestra import Orchestra
from dagster_defs.periodic import COMMISSIONS, RENEWALS
from dagster_defs.settings import DagsterSettings

Figures = dict[str, object]


def _figures(orchestra: Orchestra, job: str, partition: str) -> Figures:
    result = orchestra.run(job, tags={"dagster/partition": partition})
    (event,) = result.get_asset_materialization_events()
    return {k: v.value for k, v in event.materialization.metadata.items()}


def run_programs(orchestra: Orchestra, console: Console) -> tuple[Figures, Figures]:
    """The renewal run of today and the commission run of this month; their figures."""
    console.rule("6. renewals (renewals_job) and commissions (commissions_job)")
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
