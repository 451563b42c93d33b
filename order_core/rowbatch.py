"""New rows for several tables written in one round trip (PostgreSQL) or one executemany per table.

A hot path that adds an order with its lines, history, events, ledger entry and audit entry
would otherwise pay one round trip per table. On PostgreSQL ``insert_rows`` sends them as one
statement with one parameter per table: each table's rows travel as a JSON array expanded by
``json_populate_recordset``, and every table but the last is a data-modifying common table
expression (``WITH t1 AS (INSERT ...), t2 AS (INSERT ...) INSERT ...``). The statement text
depends only on the tables and columns, so the driver prepares it once per connection. Foreign
keys are checked at the end of the statement, so a parent and its children may travel together;
the caller supplies the primary keys children refer to (e.g. ``allocate_order_id``). Within one
table rows get their ids in the order given. SQLite runs in-process, so there each table is a
plain executemany. Either way values pass through the columns' types (exact money, UTC times).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import lru_cache
from typing import Any

from sqlalchemy import Date, DateTime, Table
from sqlalchemy.engine import Connection, Dialect
from sqlmodel import Session, SQLModel

from order_core.types import UtcDateTime

Rows = Sequence[Mapping[str, Any]]
_Shape = tuple[tuple[Table, tuple[str, ...]], ...]


def table_of(model: type[SQLModel]) -> Table:
    """The Core table of a SQLModel table class (what ``insert_rows`` takes)."""
    table: Table = model.__table__  # type: ignore[attr-defined]
    return table


def insert_rows(session: Session, batches: Sequence[tuple[Table, Rows]]) -> None:
    """Insert every ``(table, rows)`` batch, in the order given, in the session's transaction.

    Parents must come before the tables that refer to them. Every row names every column of its
    table (an autoincrement primary key may be left out): column defaults are not applied, the
    same on both databases. Nothing is returned: callers that need ids assign them up front.
    """
    batches = [(table, rows) for table, rows in batches if rows]
    if not batches:
        return
    for table, rows in batches:
        _check_columns(table, tuple(rows[0]))
    conn = session.connection()  # flushes nothing: the ORM's pending rows are the caller's
    if conn.dialect.name != "postgresql":
        for table, rows in batches:
            _insert_executemany(conn, table, rows)
        return
    _insert_as_json(conn, batches)


def upsert_rows(
    session: Session, table: Table, rows: Rows, keys: tuple[str, ...], update: tuple[str, ...]
) -> None:
    """Insert ``rows`` into ``table``, or where a row with the same ``keys`` (a unique constraint)
    exists, set its ``update`` columns from the new row: one statement (PostgreSQL) or one
    executemany (SQLite). Rows name every column but an autoincrement primary key."""
    if not rows:
        return
    _check_columns(table, tuple(rows[0]))
    conn = session.connection()
    quote = conn.dialect.identifier_preparer.quote
    conflict = f" ON CONFLICT ({', '.join(quote(k) for k in keys)}) DO UPDATE SET " + ", ".join(
        f"{quote(c)} = excluded.{quote(c)}" for c in update
    )
    if conn.dialect.name != "postgresql":
        _insert_executemany(conn, table, rows, conflict)
        return
    shape: _Shape = ((table, tuple(rows[0])),)
    param = json.dumps(
        [_encoded(conn.dialect, table, shape[0][1], row) for row in rows], default=_json_value
    )
    conn.exec_driver_sql(_statement(conn.dialect, shape) + conflict, {"rows_0": param})


def _insert_executemany(conn: Connection, table: Table, rows: Rows, suffix: str = "") -> None:
    """One driver-level executemany: each value through its column's bind processor, once; the
    statement compiled once per shape (SQLAlchemy's own executemany costs several times more)."""
    columns = tuple(rows[0])
    values: list[list[Any]] = []
    for column in columns:  # column by column: one comprehension each, no per-value generator
        given = [row[column] for row in rows]
        process = _memoized(_processor(conn.dialect, table, column))
        if process is not None:
            given = [None if v is None else process(v) for v in given]
        values.append(given)
    params = list(zip(*values, strict=True))
    conn.exec_driver_sql(_sqlite_statement(conn.dialect, table, columns) + suffix, params)


def _memoized(processor: Callable[[Any], Any] | None) -> Callable[[Any], Any] | None:
    """The processor, remembering its result for datetimes: a batch's rows share a few stamps
    (``now``), and formatting a time is the dearest bind processing there is."""
    if processor is None:
        return None
    seen: dict[datetime, Any] = {}

    def process(value: Any) -> Any:
        if type(value) is not datetime:
            return processor(value)
        done = seen.get(value)
        if done is None:
            done = seen[value] = processor(value)
        return done

    return process


@lru_cache(maxsize=256)
def _sqlite_statement(dialect: Dialect, table: Table, columns: tuple[str, ...]) -> str:
    quote = dialect.identifier_preparer.quote
    name = dialect.identifier_preparer.format_table(table)
    marks = ", ".join("?" for _ in columns)
    # Identifiers come from the table metadata, quoted by the dialect; values are parameters.
    return f"INSERT INTO {name} ({', '.join(quote(c) for c in columns)}) VALUES ({marks})"  # noqa: S608


def _insert_as_json(conn: Connection, batches: Sequence[tuple[Table, Rows]]) -> None:
    shape: _Shape = tuple((table, tuple(rows[0])) for table, rows in batches)
    params = {
        f"rows_{no}": json.dumps(
            [_encoded(conn.dialect, table, columns, row) for row in rows], default=_json_value
        )
        for no, ((table, columns), (_, rows)) in enumerate(zip(shape, batches, strict=True))
    }
    conn.exec_driver_sql(_statement(conn.dialect, shape), params)


@lru_cache(maxsize=256)
def _check_columns(table: Table, given: tuple[str, ...]) -> None:
    optional = {c.name for c in table.primary_key.columns if c.autoincrement in (True, "auto")}
    missing = sorted({c.name for c in table.columns} - optional - set(given))
    unknown = sorted(set(given) - {c.name for c in table.columns})
    if missing or unknown:
        raise ValueError(
            f"rows for table {table.name} must name every column: "
            f"missing {', '.join(missing) or 'none'}; unknown {', '.join(unknown) or 'none'}"
        )


@lru_cache(maxsize=256)
def _statement(dialect: Dialect, shape: _Shape) -> str:
    quote = dialect.identifier_preparer.quote
    parts = []
    for no, (table, columns) in enumerate(shape):
        name = dialect.identifier_preparer.format_table(table)
        cols = ", ".join(quote(c) for c in columns)
        # Identifiers come from the table metadata, quoted by the dialect; values are parameters.
        parts.append(
            f"INSERT INTO {name} ({cols}) SELECT {cols} "  # noqa: S608
            f"FROM json_populate_recordset(NULL::{name}, %(rows_{no})s) WITH ORDINALITY AS r "
            "ORDER BY r.ordinality"
        )
    *leading, last = parts
    if not leading:
        return last
    ctes = ", ".join(f"new_{no} AS ({sql})" for no, sql in enumerate(leading))
    return f"WITH {ctes} {last}"


@lru_cache(maxsize=1024)
def _processor(dialect: Dialect, table: Table, column: str) -> Callable[[Any], Any] | None:
    # The type as adapted to this driver: the generic numeric type would pass money as float.
    kind = table.c[column].type
    processor: Callable[[Any], Any] | None = kind.dialect_impl(dialect).bind_processor(dialect)
    if dialect.name != "sqlite" or processor is None:
        return processor
    if isinstance(kind, UtcDateTime):
        return _sqlite_time(processor)
    if isinstance(kind, Date) and not isinstance(kind, DateTime):
        return _sqlite_date(processor)
    return processor


def _sqlite_time(slow: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """The text ``UtcDateTime`` and SQLite's DATETIME make of an aware time (UTC, naive, always
    with microseconds) at a fifth of their cost; anything else goes their way (and is refused)."""

    def process(value: Any) -> Any:
        if type(value) is not datetime or value.tzinfo is None:
            return slow(value)
        if value.tzinfo is not UTC:
            value = value.astimezone(UTC)
        return value.replace(tzinfo=None).isoformat(" ", "microseconds")

    return process


def _sqlite_date(slow: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """The text SQLite's DATE makes of a date, at half its cost; anything else goes its way."""

    def process(value: Any) -> Any:
        return value.isoformat() if type(value) is date else slow(value)

    return process


def _encoded(
    dialect: Dialect, table: Table, columns: tuple[str, ...], row: Mapping[str, Any]
) -> dict[str, Any]:
    out = {}
    for column in columns:
        value = row[column]
        processor = _processor(dialect, table, column)
        out[column] = processor(value) if processor is not None and value is not None else value
    return out


def _json_value(value: object) -> str:
    # Exact text for the column's input function: NUMERIC from the decimal string, TIMESTAMPTZ
    # from ISO 8601 with its offset.
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(f"cannot write {type(value).__name__} through a row batch")
