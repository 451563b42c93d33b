"""Engine factory, sessions and schema upgrade; no module-level engine anywhere."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.pool import QueuePool
from sqlmodel import Session, create_engine

from order_core.catalog.version import track_catalog_writes
from order_core.errors import DomainError
from order_core.settings import get_settings
from order_core.wal import BackgroundCheckpoints

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


SQLITE_LOCK_WAIT_S = 30.0
SQLITE_AUTOCHECKPOINT_PAGES = 1000  # SQLite's own default
_DATA_VERSION = "channelsync_data_version"
_CHECKPOINTS = "channelsync_checkpoints"


def begin_immediate(dbapi_conn: Any, wait_s: float) -> None:
    """BEGIN IMMEDIATE, waiting for the write lock in naps of 0.1 ms growing to 2 ms (``wait_s`` in all).

    SQLite's own busy handler sleeps ever longer (up to 100 ms a nap) while another writer holds
    the lock, so a checkout queued behind a sync transaction would wait far longer than the
    transaction holds the lock. Short first naps catch the lock in the gap between two of a
    pull's transactions; longer later ones keep fifty writers queued on one credit line from
    spending their CPU on polling (naps of at most 0.5 ms halved SQLite's orders a second there).
    """
    cursor = dbapi_conn.cursor()
    deadline = time.monotonic() + wait_s
    pause = 0.0001
    try:
        cursor.execute("PRAGMA busy_timeout = 0")
        while True:
            try:
                cursor.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or time.monotonic() >= deadline:
                    raise
            time.sleep(pause)
            pause = min(pause * 1.5, 0.002)
    finally:
        cursor.execute(f"PRAGMA busy_timeout = {int(wait_s * 1000)}")
        cursor.close()


def make_engine(url: str, *, echo: bool | None = None) -> Engine:
    """An engine for ``url``: SQLite gets WAL, foreign keys and a busy timeout; PostgreSQL a small pool.

    ``echo`` logs every statement; None (the default) takes it from ``CHANNELSYNC_SQL_ECHO``.

    The PostgreSQL pool is sized by the ``db_pool_*`` settings. It is small on purpose: a few
    busy connections per process finish more transactions than dozens contending for the same
    rows (a hot credit line) and the same cores; sessions beyond it wait for a connection.

    Every engine tracks catalog writes (``order_core.catalog.version``) for checkout's read snapshot.
    """
    settings = get_settings()
    if echo is None:
        echo = settings.sql_echo
    if url.startswith("sqlite"):
        engine = create_engine(
            url,
            echo=echo,
            connect_args={"check_same_thread": False, "timeout": 30},
            # Pooled: a session reuses an open connection; opening one costs the pragmas and
            # closing the last one checkpoints the WAL (milliseconds each, per transaction).
            # Connections beyond the pool are closed when given back (no overflow limit).
            poolclass=QueuePool if ":memory:" not in url else None,
            **({"pool_size": 5, "max_overflow": -1} if ":memory:" not in url else {}),
        )

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()
            # Let SQLAlchemy issue BEGIN itself so writers take the lock up front (see below).
            dbapi_conn.isolation_level = None

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn: Any) -> None:
            # BEGIN IMMEDIATE serialises writers at the start of a transaction instead of failing
            # with "database is locked" at the first write after a read.
            begin_immediate(conn.connection.dbapi_connection, SQLITE_LOCK_WAIT_S)

        track_catalog_writes(engine)
        return engine
    engine = create_engine(
        url,
        echo=echo,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
        pool_timeout=settings.db_pool_timeout,
        pool_pre_ping=settings.db_pre_ping,
    )
    track_catalog_writes(engine)
    return engine


def new_session(engine: Engine) -> Session:
    """A session whose objects stay usable after commit (services return them)."""
    return Session(engine, expire_on_commit=False)


@contextmanager
def connection_session(engine: Engine, *, checkpoints_apart: bool = False) -> Iterator[Session]:
    """A session on one connection held for the block (for a run of many short transactions).

    Each transaction still commits on its own, on the same connection: no pool check-out and
    reset per page, and on SQLite never the close of a database's last connection, which
    checkpoints its whole WAL (about 13 ms for each 250-record page of a pull when that happened
    per transaction). The connection is idle, in no transaction, between the block's transactions.

    ``checkpoints_apart`` (SQLite): the connection's commits leave the WAL to ``checkpoint``,
    which the caller asks for between its transactions and a thread of its own runs meanwhile
    (``order_core.wal``); the block's end waits for the last one. A commit otherwise copies the
    WAL back into the database itself once it holds 1,000 pages, which a pull's transactions of
    a few thousand rows reach almost every time: the caller could not tell the transaction's
    time (the write lock, which others wait for) from the checkpoint's (which blocks nobody).
    """
    with engine.connect() as conn, Session(bind=conn, expire_on_commit=False) as session:
        if not checkpoints_apart or conn.dialect.name != "sqlite":
            yield session
            return
        raw = conn.connection.dbapi_connection
        assert raw is not None
        raw.execute("PRAGMA wal_autocheckpoint = 0")
        file = next(r[2] for r in raw.execute("PRAGMA database_list") if r[1] == "main")
        checkpoints = BackgroundCheckpoints(file) if file else None
        session.info[_CHECKPOINTS] = checkpoints
        try:
            yield session
        finally:
            del session.info[_CHECKPOINTS]
            try:
                if checkpoints is not None:
                    checkpoints.close()
            finally:
                raw.execute(f"PRAGMA wal_autocheckpoint = {SQLITE_AUTOCHECKPOINT_PAGES}")


def _sqlite_between(session: Session) -> Any | None:
    """The DB-API connection of a ``connection_session`` on SQLite (None elsewhere), which must
    be between two transactions."""
    bind = session.bind
    if not isinstance(bind, Connection) or bind.dialect.name != "sqlite":
        return None
    if session.in_transaction():
        raise RuntimeError("this runs between transactions, not inside one")
    return bind.connection.dbapi_connection


def others_committed(session: Session) -> bool:
    """Whether another connection committed to the database since the previous call on this
    session's connection (SQLite's ``data_version``; the first call says False). Between
    transactions of a ``connection_session``; elsewhere always False."""
    raw = _sqlite_between(session)
    if raw is None:
        return False
    version = raw.execute("PRAGMA data_version").fetchone()[0]
    before = session.info.get(_DATA_VERSION)
    session.info[_DATA_VERSION] = version
    return before is not None and before != version


def checkpoint(session: Session, *, wait: bool = False) -> None:
    """Ask for the WAL to be copied back into the database, between two transactions of a
    ``connection_session(checkpoints_apart=True)`` (SQLite; a PASSIVE checkpoint, in the
    session's checkpoint thread: see ``order_core.wal``); ``wait``: return once it is done.
    Elsewhere nothing."""
    if _sqlite_between(session) is None:
        return
    checkpoints = session.info.get(_CHECKPOINTS)
    if isinstance(checkpoints, BackgroundCheckpoints):
        checkpoints.request(wait=wait)


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """A session closed on exit; services inside commit or roll back their own transaction."""
    session = new_session(engine)
    try:
        yield session
    finally:
        session.close()


def alembic_config(url: str) -> Any:
    """The Alembic configuration for this project's migrations, pointed at ``url``."""
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade_schema(url: str, revision: str = "head") -> None:
    """Create or upgrade the schema to ``revision`` with Alembic.

    A revision Alembic cannot resolve (unknown, or a downgrade) raises DomainError naming it and
    the known revisions; nothing is changed (Alembic resolves it before running a migration).
    """
    from alembic import command
    from alembic.script import ScriptDirectory
    from alembic.util.exc import CommandError

    cfg = alembic_config(url)
    try:
        command.upgrade(cfg, revision)
    except CommandError as exc:
        known = [r.revision for r in ScriptDirectory.from_config(cfg).walk_revisions()]
        raise DomainError(
            f"cannot upgrade the schema to revision {revision!r}: {exc}; use head (the newest) "
            f"or one of {', '.join(reversed(known))}"
        ) from None
