"""Shared fixtures: the ``engine`` fixture runs each core test on SQLite and on PostgreSQL."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import Session

from order_core.db import make_engine, new_session
from order_core.models import metadata
from order_core.settings import CoreSettings, get_settings
from tests.pg import PG_ADMIN_DSN, create_database, drop_database, pg_available
from tests.smtp_sink import Sink, free_port


@pytest.fixture(autouse=True)
def _no_rules_files(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No installed pricing or approval rules file, whatever ``.env`` says (tests set their own)."""
    monkeypatch.setenv("CHANNELSYNC_PRICING_RULES_FILE", "")  # empty: unset, even over .env
    monkeypatch.setenv("CHANNELSYNC_APPROVAL_RULES_FILE", "")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test that runs on the PostgreSQL ``engine`` so ``-m "not postgres"`` skips it."""
    for item in items:
        callspec = getattr(item, "callspec", None)
        if callspec is not None and callspec.params.get("engine") == "postgres":
            item.add_marker(pytest.mark.postgres)


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """A throwaway PostgreSQL database for this test run (dropped at the end), schema from metadata."""
    if not pg_available():
        pytest.skip(f"PostgreSQL is not answering at {PG_ADMIN_DSN}: PostgreSQL tests NOT run")
    name, url = create_database()
    engine = make_engine(url)
    metadata.create_all(engine)
    engine.dispose()
    try:
        yield url
    finally:
        drop_database(name)


@pytest.fixture(scope="session")
def _pg_engine(pg_url: str) -> Iterator[Engine]:
    engine = make_engine(pg_url)
    yield engine
    engine.dispose()


# The tables holding a row, and those whose id sequence has moved on (a rolled-back insert moves
# it too): TRUNCATE of all the core's tables takes about a quarter of a second, of a test's few
# a fraction of that.
_USED_TABLES = " UNION ".join(
    [f"SELECT '{t.name}' WHERE EXISTS (SELECT 1 FROM \"{t.name}\")" for t in metadata.sorted_tables]
    + [
        "SELECT owner.relname FROM pg_sequences s"
        " JOIN pg_class seq ON seq.relname = s.sequencename"
        " JOIN pg_namespace ns ON ns.oid = seq.relnamespace AND ns.nspname = s.schemaname"
        " JOIN pg_depend d ON d.objid = seq.oid AND d.deptype IN ('a', 'i')"
        " JOIN pg_class owner ON owner.oid = d.refobjid"
        " WHERE s.last_value IS NOT NULL AND s.schemaname = current_schema()"
    ]
)


def _empty_pg(engine: Engine) -> None:
    """Leave every table empty with its ids starting again at 1, truncating only the used ones."""
    with engine.begin() as conn:
        used = [row[0] for row in conn.execute(text(_USED_TABLES))]
        if used:
            names = ", ".join(f'"{name}"' for name in used)
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file with the full schema and no rows, made once; each test gets a copy."""
    path = tmp_path_factory.mktemp("schema") / "core.db"
    eng = make_engine(f"sqlite:///{path}")
    metadata.create_all(eng)
    eng.dispose()  # the last connection's close checkpoints the WAL into the file
    return path


@pytest.fixture(params=["sqlite", "postgres"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """An engine with the full schema and no rows: a fresh SQLite file, or the run's PostgreSQL database."""
    if request.param == "sqlite":
        template: Path = request.getfixturevalue("_sqlite_template")
        shutil.copyfile(template, tmp_path / "core.db")
        eng = make_engine(f"sqlite:///{tmp_path / 'core.db'}")
        yield eng
        eng.dispose()
        return
    pg: Engine = request.getfixturevalue("_pg_engine")
    _empty_pg(pg)
    yield pg
    _empty_pg(pg)


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    """A session on ``engine``; services commit their own transactions."""
    s = new_session(engine)
    yield s
    s.close()


@pytest.fixture
def smtp() -> Iterator[tuple[Sink, CoreSettings]]:
    """An aiosmtpd server on 127.0.0.1 collecting messages, and settings pointing at it."""
    sink = Sink()
    port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield (
            sink,
            CoreSettings(smtp_host="127.0.0.1", smtp_port=port, mail_from="orders@vendor.example"),
        )
    finally:
        controller.stop()
