"""The schema job: create or upgrade the core database (run before any sync)."""

from __future__ import annotations

import dagster as dg
from sqlalchemy import inspect

from dagster_defs.resources import CoreDatabase
from order_core.db import make_engine, upgrade_schema


@dg.op
def upgrade_core_schema(database: CoreDatabase) -> dg.Output[int]:
    """Run the Alembic migrations to head; reports how many tables the schema has."""
    url = database.resolved_url()
    upgrade_schema(url)
    engine = make_engine(url)
    try:
        tables = len(inspect(engine).get_table_names())
    finally:
        engine.dispose()
    return dg.Output(tables, metadata={"tables": tables})


@dg.job(description="Create or upgrade the order core's database schema.")
def upgrade_schema_job() -> None:
    """Create or upgrade the order core's database schema."""
    upgrade_core_schema()
