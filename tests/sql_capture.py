"""Capturing the SQL statements an engine sends, for tests that assert on what went over the wire."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import Session


@contextmanager
def statements(where: Session | Engine) -> Iterator[list[str]]:
    """Collect the SQL statements sent through the engine (of the session) while inside."""
    seen: list[str] = []
    engine = where.get_bind() if isinstance(where, Session) else where

    def listener(*args: Any) -> None:
        seen.append(str(args[2]))

    event.listen(engine, "before_cursor_execute", listener)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", listener)
