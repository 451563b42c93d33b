"""SQL building blocks of the bulk services: key lists in chunks, one IN-list form, fresh statistics.

Any service that looks up or writes many rows by key (customer import, deal upserts, and the sync
engine's bulk upserts of partners, customers and deal lines) uses these three, so that the
parameter cap, the PostgreSQL plan and the planner statistics are handled in one place.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from functools import lru_cache
from typing import Any, TypeVar

from sqlalchemy import (
    Select,
    String,
    Table,
    any_,
    bindparam,
    cast,
    func,
    literal_column,
    select,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session

T = TypeVar("T")
CHUNK = 500
"""Keys per statement: well under SQLite's cap on the parameters of one statement."""


def chunks(items: Sequence[T], size: int = CHUNK) -> Iterator[Sequence[T]]:
    """``items`` in consecutive slices of at most ``size`` (none when ``items`` is empty)."""
    if size < 1:
        raise ValueError(f"chunk size must be at least 1, not {size}")
    for start in range(0, len(items), size):
        yield items[start : start + size]


def one_of(session: Session, column: Any, values: Sequence[Any]) -> ColumnElement[bool]:
    """``column IN values`` with a single parameter, whatever the number of values.

    PostgreSQL: ``column = ANY(:array)``. psycopg prepares a statement after a few runs; a
    prepared 500-parameter IN-list gets a generic plan that compares every row with every
    parameter, while one array parameter stays hashed. SQLite: for integer or text keys,
    ``column IN (SELECT value FROM json_each(:keys))``, so no IN-list is coerced value by value and
    expanded at each run. Pass at most ``CHUNK`` values (iterate over ``chunks``). A statement run
    many times is better built once with ``keys_in`` (building a statement costs more than
    running a small one).
    """
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        result: ColumnElement[bool] = column == any_(cast(list(values), ARRAY(column.type)))
        return result
    if all(type(v) is int or type(v) is str for v in values):
        keys = bindparam(None, json.dumps(list(values)), type_=String)
        return _in_json(column, keys)
    in_list: ColumnElement[bool] = column.in_(values)
    return in_list


def keys_in(dialect: str, column: Any, name: str = "keys") -> ColumnElement[bool]:
    """``column`` is one of the keys bound to ``name`` (its value from ``keys_value``).

    For statements built once per dialect and run many times with new keys: one parameter
    whatever the number of keys, the same statement text every time (see ``one_of``).
    """
    if dialect == "postgresql":
        array = ARRAY(column.type)
        result: ColumnElement[bool] = column == any_(cast(bindparam(name, type_=array), array))
        return result
    return _in_json(column, bindparam(name, type_=String))


@lru_cache(maxsize=256)
def keyed_select(
    dialect: str,
    table: Table,
    key: str,
    columns: tuple[str, ...] = (),
    equal: tuple[str, ...] = (),
) -> Select[Any]:
    """``SELECT columns`` (every column when none) of ``table`` whose ``key`` is one of the key
    list bound to ``keys`` (see ``keys_value``) and each ``equal`` column equals the parameter of
    its name: built once per dialect, for look-ups a service runs in every transaction (building
    a statement costs more than running it for a page's keys)."""
    chosen = [table.c[c] for c in columns] if columns else [table]
    return select(*chosen).where(
        keys_in(dialect, table.c[key]), *(table.c[c] == bindparam(c) for c in equal)
    )


def keys_value(dialect: str, keys: Sequence[Any]) -> object:
    """The parameter value of a ``keys_in`` key list: an array (PostgreSQL), JSON text (SQLite,
    integer or text keys only)."""
    if dialect == "postgresql":
        return list(keys)
    for key in keys:
        if type(key) is not int and type(key) is not str:
            raise TypeError(f"key lists take integers or text, not {type(key).__name__}")
    return json.dumps(list(keys))


def _in_json(column: Any, keys: Any) -> ColumnElement[bool]:
    each: Select[Any] = select(literal_column("value")).select_from(func.json_each(keys))
    result: ColumnElement[bool] = column.in_(each.scalar_subquery())
    return result


ANALYZE_AFTER_ROWS = 1000
_SINCE_ANALYZE = "channelsync_rows_since_analyze"


def refresh_statistics(session: Session, inserted: int, *tables: str) -> None:
    """After bulk inserts of ``inserted`` rows, refresh PostgreSQL's planner statistics when due.

    A table that grew by thousands of rows since it was last analyzed gets plans for an empty
    table (a look-up by key scans every row): the next bulk call would take ten times as long, and
    a growing table ever longer (autovacuum may be off, and lags behind a bulk load when on).
    Rows are counted per session across its transactions, since a pull applies each page in
    several short ones: the tables are analyzed once ``ANALYZE_AFTER_ROWS`` rows arrived, then
    each time as many rows arrived as when they were last analyzed (1k, 2k, 4k ... rows: a few
    ANALYZE for a whole load). ANALYZE runs inside the caller's transaction and sees its rows;
    SQLite needs nothing.
    """
    if not inserted or session.get_bind().dialect.name != "postgresql":
        return
    counts: dict[tuple[str, ...], tuple[int, int]] = session.info.setdefault(_SINCE_ANALYZE, {})
    key = tuple(sorted(tables))
    pending, analyzed = counts.get(key, (0, 0))
    pending += inserted
    if pending < max(ANALYZE_AFTER_ROWS, analyzed):
        counts[key] = (pending, analyzed)
        return
    for table in tables:
        session.execute(text(f'ANALYZE "{table}"'))
    counts[key] = (0, analyzed + pending)
