"""Set-based reads and writes of plain rows by id, for the sync's writers (no ORM object per record).

A page of 2,000 records becomes a few statements: one SELECT per table for the rows it touches,
one INSERT ... RETURNING for the new ones, one executemany UPDATE for the changed ones.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import Table, bindparam, delete, update
from sqlmodel import Session, SQLModel

from order_core.bulk_sql import chunks, keyed_select, keys_value, one_of
from order_core.errors import Problem
from order_core.rowbatch import insert_rows, table_of

Row = dict[str, Any]


def fetch_by(
    session: Session,
    model: type[SQLModel],
    column: str,
    keys: Iterable[Any],
    *,
    source: str | None = None,
) -> list[Row]:
    """Rows of ``model`` whose ``column`` is one of ``keys`` (in chunks), as plain dicts; with
    ``source``, only the rows of that connection (the table's ``source`` column)."""
    table = table_of(model)
    dialect = session.get_bind().dialect.name
    stmt = keyed_select(dialect, table, column, (), ("source",) if source is not None else ())
    found: list[Row] = []
    for chunk in chunks(sorted(set(keys))):
        params = {"keys": keys_value(dialect, chunk), "source": source}
        found.extend(dict(r._mapping) for r in session.execute(stmt, params).all())
    return found


def allocate_ids(session: Session, table: Table, n: int) -> list[int]:
    """``n`` new ids of ``table``: from its sequence (PostgreSQL), or after its highest id (SQLite,
    where ``BEGIN IMMEDIATE`` makes this transaction the only writer until it commits)."""
    conn = session.connection()
    name = table.name  # one of our own tables, never user input
    if conn.dialect.name == "postgresql":
        seq = f"pg_get_serial_sequence('{name}', 'id')"
        sql = f"SELECT nextval({seq}) FROM generate_series(1, {int(n)})"  # noqa: S608
        return sorted(int(i) for i in conn.exec_driver_sql(sql).scalars())
    top = f'SELECT COALESCE(MAX(id), 0) + 1 FROM "{name}"'  # noqa: S608
    first = int(conn.exec_driver_sql(top).scalar_one())
    return list(range(first, first + n))


def insert_returning_ids(session: Session, model: type[SQLModel], rows: Sequence[Row]) -> list[int]:
    """Insert ``rows`` and return their new ids in the same order (ids allocated up front, then
    one statement: RETURNING in parameter order would cost SQLite one statement per row)."""
    if not rows:
        return []
    table = table_of(model)
    ids = allocate_ids(session, table, len(rows))
    insert_rows(session, [(table, [{**row, "id": i} for row, i in zip(rows, ids, strict=True)])])
    return ids


def update_by_id(session: Session, model: type[SQLModel], rows: Sequence[Row]) -> None:
    """Update rows by ``id``: rows naming the same columns share one executemany statement."""
    table = table_of(model)
    groups: dict[tuple[str, ...], list[Row]] = {}
    for row in rows:
        groups.setdefault(tuple(sorted(k for k in row if k != "id")), []).append(row)
    for columns, group in groups.items():
        if not columns:
            continue
        stmt = (
            update(table)
            .where(table.c.id == bindparam("_id"))
            .values({c: bindparam(f"_{c}") for c in columns})
        )
        params = [{f"_{k}": v for k, v in row.items()} for row in group]
        session.connection().execute(stmt, params)


def delete_by_id(session: Session, model: type[SQLModel], ids: Iterable[int]) -> None:
    """Delete rows by id (in chunks)."""
    table = table_of(model)
    for chunk in chunks(sorted(set(ids))):
        session.execute(delete(table).where(one_of(session, table.c.id, chunk)))


def check_row(model: type[SQLModel], where: str, values: Mapping[str, Any]) -> list[Problem]:
    """What the table would refuse: unknown columns, empty required columns, text too long."""
    table: Table = table_of(model)
    problems: list[Problem] = []
    for name, value in values.items():
        column = table.c.get(name)
        if column is None:
            problems.append(Problem(where, name, f"{table.name} has no column {name}"))
        elif value is None:
            if not column.nullable and not column.primary_key:
                problems.append(Problem(where, name, "may not be empty"))
        elif isinstance(value, str):
            length = getattr(column.type, "length", None)
            if length is not None and len(value) > length:
                problems.append(
                    Problem(where, name, f"is {len(value)} characters; at most {length} fit")
                )
    return problems
