"""Fixtures for the command-line tests: a database made by the CLI itself, on SQLite or PostgreSQL."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from channelsync.demo import SAMPLE_CATALOG
from tests.cli_run import CliDb, run_cli
from tests.pg import PG_ADMIN_DSN, create_database, drop_database, pg_available


def _cli_db(url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliDb:
    for name in list(os.environ):
        if name.startswith("CHANNELSYNC_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("CHANNELSYNC_DATABASE_URL", url)
    monkeypatch.chdir(tmp_path)
    assert run_cli("db", "upgrade").code == 0
    assert run_cli("catalog", "load", str(SAMPLE_CATALOG)).code == 0
    return CliDb(url)


@pytest.fixture
def demo_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[CliDb]:
    """A temp SQLite database ``channelsync demo`` made and told its story on (the demo refuses a
    core it did not set up itself); cwd a temp folder, the Dagster instance in it."""
    for name in list(os.environ):
        if name.startswith("CHANNELSYNC_"):
            monkeypatch.delenv(name)
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    monkeypatch.setenv("CHANNELSYNC_DATABASE_URL", url)
    monkeypatch.setenv("CHANNELSYNC_DAGSTER_HOME", str(tmp_path / "dagster"))
    monkeypatch.chdir(tmp_path)
    assert run_cli("demo").code == 0
    cli_db = CliDb(url)
    yield cli_db
    cli_db.dispose()


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[CliDb]:
    """A temp SQLite database (schema by ``db upgrade``, the sample catalog); cwd a temp folder."""
    cli_db = _cli_db(f"sqlite:///{tmp_path / 'cli.db'}", tmp_path, monkeypatch)
    yield cli_db
    cli_db.dispose()


@pytest.fixture(params=["sqlite", "postgres"])
def any_db(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[CliDb]:
    """Like ``db``, on SQLite and on a throwaway PostgreSQL database."""
    if request.param == "sqlite":
        yield request.getfixturevalue("db")
        return
    if not pg_available():
        pytest.skip(f"PostgreSQL is not answering at {PG_ADMIN_DSN}: PostgreSQL tests NOT run")
    name, url = create_database("channelsync_cli")
    try:
        cli_db = _cli_db(url, tmp_path, monkeypatch)
        yield cli_db
        cli_db.dispose()
    finally:
        drop_database(name)
