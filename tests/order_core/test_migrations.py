"""The Alembic migrations produce exactly the SQLModel metadata, on SQLite and on PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from order_core.db import make_engine, upgrade_schema
from order_core.models import metadata
from tests.pg import PG_ADMIN_DSN, create_database, drop_database, pg_available


def _assert_no_drift(url: str) -> None:
    upgrade_schema(url)
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            ctx = MigrationContext.configure(conn, opts={"compare_type": True})
            drift = compare_metadata(ctx, metadata)
            tables = set(inspect(conn).get_table_names())
    finally:
        engine.dispose()
    assert drift == [], f"models and migrations differ: {drift}"
    assert {t.name for t in metadata.sorted_tables} <= tables
    # Upgrading an up-to-date schema is a no-op.
    upgrade_schema(url)


def test_migrations_match_models_on_sqlite(tmp_path: Path) -> None:
    _assert_no_drift(f"sqlite:///{tmp_path / 'migrated.db'}")


@pytest.mark.postgres
def test_migrations_match_models_on_postgres() -> None:
    if not pg_available():
        pytest.skip(f"PostgreSQL is not answering at {PG_ADMIN_DSN}: PostgreSQL tests NOT run")
    name, url = create_database("channelsync_migrate")
    try:
        _assert_no_drift(url)
    finally:
        drop_database(name)
