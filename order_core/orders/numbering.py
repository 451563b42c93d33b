"""Document numbers: orders from their id, invoices from a gapless counter row advanced in the transaction."""

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


def order_number(order_id: int) -> str:
    """The order number of an order id, e.g. ``SO-000042`` (unique, increasing; gaps allowed)."""
    return f"SO-{order_id:06d}"


def next_invoice_number(session: Session, year: int) -> str:
    """The next invoice number of ``year``, e.g. ``INV-2026-000007`` (one gapless sequence per year)."""
    return f"INV-{year}-{next_value(session, f'invoice-{year}'):06d}"
