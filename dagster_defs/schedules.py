"""Schedules: the sync every 15 minutes and the expiry hourly (cron and time zone from settings)."""

from __future__ import annotations

import dagster as dg

from dagster_defs.expiry import expiry_job
from dagster_defs.settings import DagsterSettings


def schedules(sync_job: dg.UnresolvedAssetJobDefinition) -> list[dg.ScheduleDefinition]:
    """The sync and expiry schedules, by CHANNELSYNC_DAGSTER_SYNC_CRON / _EXPIRY_CRON / _TIMEZONE."""
    settings = DagsterSettings()
    return [
        dg.ScheduleDefinition(
            name="sync_schedule",
            job=sync_job,
            cron_schedule=settings.sync_cron,
            execution_timezone=settings.timezone,
            description="Pull every connection and quote the requested deals.",
        ),
        dg.ScheduleDefinition(
            name="expiry_schedule",
            job=expiry_job,
            cron_schedule=settings.expiry_cron,
            execution_timezone=settings.timezone,
            description="Expire quotes and approval steps past their dates.",
        ),
    ]
