"""Document numbers: orders from their id (allocated before the order is written), invoices from a gapless counter row advanced in the transaction."""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session

from order_core.catalog.snapshot import stamp_unread, use_stamp
from order_core.catalog.version import STAMP_SQL
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
    ``BEGIN IMMEDIATE`` makes this transaction the only writer. On PostgreSQL, called before the
    transaction read the catalog stamp, it reads the stamp too (``catalog.snapshot.use_stamp``).
    """
    conn = session.connection()
    if conn.dialect.name != "postgresql":
        return int(
            conn.exec_driver_sql("SELECT COALESCE(MAX(id), 0) + 1 FROM sales_order").scalar_one()
        )
    sql = "SELECT nextval(pg_get_serial_sequence('sales_order', 'id'))"
    if not stamp_unread(session):
        return int(conn.exec_driver_sql(sql).scalar_one())
    # The checkout reads the catalog stamp next: read it along, in the same round trip.
    order_id, stamp = conn.exec_driver_sql(f"{sql}, {STAMP_SQL}").one()
    use_stamp(session, stamp)
    return int(order_id)


def order_number(order_id: int) -> str:
    """The order number of an order id, e.g. ``SO-000042`` (unique, increasing; gaps allowed)."""
    return f"SO-{order_id:06d}"


def next_invoice_number(session: Session, year: int) -> str:
    """The next invoice number of ``year``, e.g. ``INV-2026-000007`` (one gapless sequence per year)."""
    return f"INV-{year}-{next_value(session, f'invoice-{year}'):06d}"
