"""The Dagster ``Definitions`` that ``workspace.yaml`` loads: jobs, schedules, sensors and resources."""

from __future__ import annotations

import dagster as dg

from dagster_defs.resources import CoreDatabase
from dagster_defs.schema import upgrade_schema_job

defs = dg.Definitions(
    jobs=[upgrade_schema_job],
    resources={"database": CoreDatabase()},
)
