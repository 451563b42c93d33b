"""The demo's core starts afresh on every run, on SQLite and PostgreSQL; a core the demo did not set
up is refused with one line and left as it was."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from rich.console import Console
from sqlalchemy import inspect
from sqlmodel import Session, select

from channelsync.cli.app import main
from channelsync.demo import SAMPLE_CATALOG
from channelsync.demo.fresh_core import reset_core
from channelsync.demo.story import prepare_core
from order_core.actors import Actor
from order_core.catalog.loader import load_catalog_file
from order_core.db import make_engine, new_session, upgrade_schema
from order_core.partners.models import Partner
from tests.pg import create_database, drop_database, pg_available


@pytest.fixture(params=["sqlite", "postgres"])
def core_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database: a SQLite file, or a throwaway PostgreSQL database."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'core.db'}"
        return
    if not pg_available():
        pytest.skip("PostgreSQL is not answering: PostgreSQL tests NOT run")
    name, url = create_database()
    try:
        yield url
    finally:
        drop_database(name)


def _partners(url: str) -> list[str]:
    engine = make_engine(url)
    try:
        if not inspect(engine).has_table("partner"):
            return []
        with Session(engine) as session:
            return list(session.exec(select(Partner.name)))
    finally:
        engine.dispose()


def test_each_demo_run_starts_the_core_afresh(core_url: str) -> None:
    assert reset_core(core_url) is False  # nothing to drop yet
    prepare_core(core_url, Console(file=io.StringIO()))
    loaded = _partners(core_url)
    assert loaded

    out = io.StringIO()
    prepare_core(core_url, Console(file=out, width=200))
    assert "the earlier demo's core was dropped" in out.getvalue()
    assert sorted(_partners(core_url)) == sorted(loaded)  # loaded once, not on top of the last

    assert reset_core(core_url) is True
    engine = make_engine(core_url)
    tables = set(inspect(engine).get_table_names())
    engine.dispose()
    assert tables <= {"alembic_version"}  # every table of the migrations dropped


def test_a_core_the_demo_did_not_set_up_is_refused(
    core_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    upgrade_schema(core_url)
    engine = make_engine(core_url)
    with new_session(engine) as session:
        load_catalog_file(SAMPLE_CATALOG, session=session, actor=Actor.system("cli"))
    engine.dispose()
    before = _partners(core_url)
    monkeypatch.setenv("CHANNELSYNC_DATABASE_URL", core_url)

    with pytest.raises(SystemExit) as exited:
        main(["demo"])

    assert exited.value.code != 0
    err = " ".join(capsys.readouterr().err.split())
    assert "the demo starts its core afresh on every run" in err
    assert "first change is by system:cli" in err and "CHANNELSYNC_DATABASE_URL" in err
    assert "Traceback" not in err
    assert _partners(core_url) == before  # nothing dropped
