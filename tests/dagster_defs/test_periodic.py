"""Renewals (daily partitions) and commissions (monthly partitions): assets, jobs and schedules."""

from __future__ import annotations

from datetime import UTC, datetime

import dagster as dg
from sqlalchemy.engine import Engine

from dagster_defs.periodic import (
    COMMISSIONS,
    RENEWALS,
    commissions,
    commissions_schedule,
    renewals,
    renewals_schedule,
)
from dagster_defs.resources import CoreDatabase


def _figures(result: dg.ExecuteInProcessResult, key: dg.AssetKey) -> dict[str, object]:
    (event,) = [
        e for e in result.get_asset_materialization_events() if e.materialization.asset_key == key
    ]
    return {k: v.value for k, v in event.materialization.metadata.items()}


def test_the_partition_is_the_day_or_the_month_of_the_run(engine: Engine) -> None:
    db = CoreDatabase(url=engine.url.render_as_string(hide_password=False))
    day = dg.materialize([renewals], resources={"database": db}, partition_key="2026-11-30")
    assert day.success
    figures = _figures(day, RENEWALS)
    assert figures["as_of"] == "2026-11-30" and figures["failed"] == 0
    month = dg.materialize([commissions], resources={"database": db}, partition_key="2026-11-01")
    assert month.success
    assert _figures(month, COMMISSIONS)["period"] == "2026-11"


def test_schedules_run_the_day_and_the_month_just_ended() -> None:
    renew, month = renewals_schedule, commissions_schedule
    repo = dg.Definitions(
        assets=[renewals, commissions],
        schedules=[renew, month],
        resources={"database": CoreDatabase()},
    ).get_repository_def()
    assert (renew.cron_schedule, month.cron_schedule) == ("0 1 * * *", "0 2 1 * *")
    when = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
    (request,) = (
        month.evaluate_tick(
            dg.build_schedule_context(scheduled_execution_time=when, repository_def=repo)
        ).run_requests
        or []
    )
    assert request.partition_key == "2026-11-01"  # November, just ended
    when = datetime(2026, 12, 7, 1, 0, tzinfo=UTC)
    (request,) = (
        renew.evaluate_tick(
            dg.build_schedule_context(scheduled_execution_time=when, repository_def=repo)
        ).run_requests
        or []
    )
    assert request.partition_key == "2026-12-07"  # the day that starts
