"""Document numbers: orders from their id (allocated before the order is written), invoices from a gapless counter row advanced in the transaction."""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session

from order_core.orders.models import DocumentCounter


def next_value(session: Session, name: str) -> int:
    """Advance counter ``name`` by one and return the new value.

    The UPDATE takes the row lock until commit, so two transactions never get the same number and
    a rolled-back transaction gives its number back (no gaps).
    """
    table = DocumentCounter.__table__  # type: ignore[attr-defined]
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    session.execute(insert(table).values(name=name, value=0).on_conflict_do_nothing())
    stmt = (
        update(table)
        .where(table.c.name == name)
        .values(value=table.c.value + 1)
        .returning(table.c.value)
    )
    value = session.execute(stmt).scalar_one()
    return int(value)


def allocate_order_id(session: Session) -> int:
    """The id of an order about to be written (its number and its rows' references derive from it).

    PostgreSQL: the next value of the table's id sequence (never handed out twice; a rolled-back
    order leaves a gap). SQLite: one more than the highest id, which stays free until commit because
    ``BEGIN IMMEDIATE`` makes this transaction the only writer.
    """
    conn = session.connection()
    if conn.dialect.name == "postgresql":
        sql = "SELECT nextval(pg_get_serial_sequence('sales_order', 'id'))"
    else:
        sql = "SELECT COALESCE(MAX(id), 0) + 1 FROM sales_order"
    return int(conn.exec_driver_sql(sql).scalar_one())


def order_number(order_id: int) -> str:
    """The order number of an order id, e.g. ``SO-000042`` (unique, increasing; gaps allowed)."""
    return f"SO-{order_id:06d}"


def next_invoice_number(session: Session, year: int) -> str:
    """The next invoice number of ``year``, e.g. ``INV-2026-000007`` (one gapless sequence per year)."""
    return f"INV-{year}-{next_value(session, f'invoice-{year}'):06d}"
