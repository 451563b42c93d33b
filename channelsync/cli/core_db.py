"""Database access for the core CLI commands: a session on CHANNELSYNC_DATABASE_URL, and the CLI's actor."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlmodel import Session

from order_core.actors import Actor
from order_core.db import make_engine, new_session
from order_core.settings import get_settings

CLI_ACTOR = Actor.system("cli")


def database_url() -> str:
    """CHANNELSYNC_DATABASE_URL (the CLI reads the settings anew for every command)."""
    return get_settings().database_url


@contextmanager
def cli_session() -> Iterator[Session]:
    """A session on the configured database; the engine is disposed afterwards."""
    engine = make_engine(database_url())
    session = new_session(engine)
    try:
        yield session
    finally:
        session.close()
        engine.dispose()
