"""The periodic runs: renewals (one partition a day) and commissions (one a month), with their
jobs and schedules (time zone from the Dagster settings)."""

from datetime import date, timedelta

import dagster as dg
from dagster import AssetExecutionContext

from dagster_defs.metadata import plain
from dagster_defs.naming import OWNERS
from dagster_defs.resources import CoreDatabase
from dagster_defs.settings import DagsterSettings
from order_core.commissions.run import run_commissions
from order_core.renewals.run import run_renewals

GROUP = "partner_programs"
RENEWALS = dg.AssetKey(["renewals"])
COMMISSIONS = dg.AssetKey(["commissions"])
START = "2026-01-01"
_TZ = DagsterSettings().timezone
#: Today and this month are partitions too (end_offset): a run of the day, or the figures of the
#: month so far; the schedules run the day that starts and the month just ended.
DAILY = dg.DailyPartitionsDefinition(start_date=START, timezone=_TZ, end_offset=1)
MONTHLY = dg.MonthlyPartitionsDefinition(start_date=START, timezone=_TZ, end_offset=1)


@dg.asset(
    key=RENEWALS,
    group_name=GROUP,
    kinds={"python"},
    owners=OWNERS,
    partitions_def=DAILY,
    description="The renewal run of a day: notices and renewal quotes for subscriptions in a "
    "notice window, auto-renewals, lapses. Metadata: the run's figures and first failures.",
)
def renewals(context: AssetExecutionContext, database: CoreDatabase) -> dg.MaterializeResult[None]:
    with database.engine() as engine:
        report = run_renewals(engine, date.fromisoformat(context.partition_key))
    if report.failed:
        context.log.warning(f"renewals: {report.failed} subscription(s) failed; see metadata")
    return dg.MaterializeResult(metadata=plain(report.as_dict()))


@dg.asset(
    key=COMMISSIONS,
    group_name=GROUP,
    kinds={"python"},
    owners=OWNERS,
    partitions_def=MONTHLY,
    description="The commission run of a month: accruals and clawbacks on the partners' "
    "incentive ledger, and their statements. Metadata: the run's figures.",
)
def commissions(
    context: AssetExecutionContext, database: CoreDatabase
) -> dg.MaterializeResult[None]:
    period = context.partition_key[:7]  # YYYY-MM-DD of the month's first day -> YYYY-MM
    with database.engine() as engine:
        report = run_commissions(engine, period)
    return dg.MaterializeResult(metadata=plain(report.as_dict()))


renewals_job = dg.define_asset_job(
    "renewals_job", selection=[RENEWALS], description="The renewal run of one day."
)
commissions_job = dg.define_asset_job(
    "commissions_job", selection=[COMMISSIONS], description="The commission run of one month."
)


@dg.schedule(
    name="renewals_schedule",
    job=renewals_job,
    cron_schedule="0 1 * * *",
    execution_timezone=_TZ,
    description="The renewal run of the day, at 01:00.",
)
def renewals_schedule(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
    when = context.scheduled_execution_time
    assert when is not None
    return dg.RunRequest(partition_key=when.date().isoformat())


@dg.schedule(
    name="commissions_schedule",
    job=commissions_job,
    cron_schedule="0 2 1 * *",
    execution_timezone=_TZ,
    description="The commission run of the month just ended, on the 1st at 02:00.",
)
def commissions_schedule(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
    when = context.scheduled_execution_time
    assert when is not None
    ended = when.date().replace(day=1) - timedelta(days=1)
    return dg.RunRequest(partition_key=ended.replace(day=1).isoformat())
