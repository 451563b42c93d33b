"""SQL helpers for the bulk services: an IN-list that stays fast on PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, TypeVar

from sqlalchemy import any_, cast, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session

T = TypeVar("T")
CHUNK = 500


def one_of(session: Session, column: Any, values: Sequence[Any]) -> ColumnElement[bool]:
    """``column IN values``; on PostgreSQL ``column = ANY(:array)`` with a single parameter.

    psycopg prepares a statement after a few runs; a prepared 500-parameter IN-list gets a generic
    plan that compares every row with every parameter, while one array parameter stays hashed.
    """
    if session.get_bind().dialect.name == "postgresql":
        result: ColumnElement[bool] = column == any_(cast(list(values), ARRAY(column.type)))
        return result
    in_list: ColumnElement[bool] = column.in_(values)
    return in_list


def chunks(items: Sequence[T], size: int = CHUNK) -> Iterator[Sequence[T]]:
    """``items`` in slices of at most ``size`` (SQLite caps the parameters of one statement)."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


ANALYZE_AFTER_ROWS = 1000


def refresh_statistics(session: Session, inserted: int, *tables: str) -> None:
    """After a bulk insert of ``inserted`` rows, refresh PostgreSQL's planner statistics.

    A table that grew by thousands of rows since autovacuum last looked gets plans for an empty
    table (sequential scans per lookup): the next bulk call would take ten times as long. ANALYZE
    runs inside the caller's transaction and sees its rows; SQLite needs nothing.
    """
    if inserted < ANALYZE_AFTER_ROWS or session.get_bind().dialect.name != "postgresql":
        return
    for table in tables:
        session.execute(text(f'ANALYZE "{table}"'))
