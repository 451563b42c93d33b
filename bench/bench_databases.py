"""Throwaway core databases for the benches (a PostgreSQL database dropped after, a SQLite file in
a temporary folder) and the process's peak RSS, which every bench prints."""

from __future__ import annotations

import resource
import tempfile
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
from sqlalchemy.engine import Engine

from order_core.db import make_engine

PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
PG_BASE = "postgresql+psycopg://postgres@127.0.0.1:5432"


def peak_rss_mib() -> float:
    """The peak resident set size of this process so far, in MiB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@contextmanager
def throwaway_url(db: str) -> Iterator[str]:
    """A database URL for one bench run (``sqlite`` or ``postgres``), gone afterwards."""
    if db == "sqlite":
        with tempfile.TemporaryDirectory(prefix="channelsync-bench-") as folder:
            yield f"sqlite:///{Path(folder) / 'core.db'}"
        return
    name = f"channelsync_bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{PG_BASE}/{name}"
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def on_each_database(only: str | None, run: Callable[[Engine, str], None]) -> None:
    """``run(engine, label)`` on a throwaway PostgreSQL database, then SQLite (``only``: ``pg`` or
    ``sqlite`` for just one)."""
    for db, label, key in (("postgres", "PostgreSQL", "pg"), ("sqlite", "SQLite", "sqlite")):
        if only in (None, key):
            with throwaway_url(db) as url:
                engine = make_engine(url)
                try:
                    run(engine, label)
                finally:
                    engine.dispose()
