"""The Dagster definitions load, and the schema job upgrades a real database."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import inspect

from dagster_defs.definitions import defs
from dagster_defs.resources import CoreDatabase
from order_core.db import make_engine
from order_core.models import metadata


def test_schema_job_creates_every_table(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'dg.db'}"
    job = defs.resolve_job_def("upgrade_schema_job")
    result = job.execute_in_process(resources={"database": CoreDatabase(url=url)})
    assert result.success
    tables = result.output_for_node("upgrade_core_schema")
    engine = make_engine(url)
    names = set(inspect(engine).get_table_names())
    engine.dispose()
    assert {t.name for t in metadata.sorted_tables} <= names
    assert tables == len(names)
