"""Sync cursors: how far each connection has read each CRM object, saved with the rows they cover."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session

from order_core.rowbatch import table_of
from order_core.sync.models import SyncCursor

_C = table_of(SyncCursor)


def read_cursor(session: Session, source: str, crm_object: str) -> tuple[datetime, str] | None:
    """The saved (stamp, last id) of one object, or None before its first page."""
    row = session.execute(
        select(_C.c.stamp, _C.c.last_id).where(_C.c.source == source, _C.c.crm_object == crm_object)
    ).first()
    return None if row is None or row.stamp is None else (row.stamp, row.last_id)


def read_full_refresh(session: Session, source: str, crm_object: str) -> datetime | None:
    """When every record of the object was last re-read (None: never)."""
    return session.execute(
        select(_C.c.full_refresh_at).where(_C.c.source == source, _C.c.crm_object == crm_object)
    ).scalar()


def _upsert(session: Session, row: dict[str, object], columns: tuple[str, ...]) -> None:
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    stmt = insert(_C).values(row)
    session.execute(
        stmt.on_conflict_do_update(
            index_elements=["source", "crm_object"], set_={c: stmt.excluded[c] for c in columns}
        )
    )


def save_cursor(
    session: Session, source: str, crm_object: str, cursor: tuple[datetime, str], now: datetime
) -> None:
    """Move the cursor (in the caller's transaction: with the rows it covers)."""
    row = {
        "source": source,
        "crm_object": crm_object,
        "stamp": cursor[0],
        "last_id": cursor[1],
        "updated_at": now,
    }
    _upsert(session, row, ("stamp", "last_id", "updated_at"))


def save_full_refresh(session: Session, source: str, crm_object: str, at: datetime) -> None:
    """Record a completed re-read of every record of the object."""
    row = {
        "source": source,
        "crm_object": crm_object,
        "last_id": "",
        "full_refresh_at": at,
        "updated_at": at,
    }
    _upsert(session, row, ("full_refresh_at", "updated_at"))


def reset_cursor(session: Session, source: str, crm_object: str | None = None) -> None:
    """Forget cursors (a full pull): every record is read again; unchanged ones write nothing."""
    stmt = _C.update().where(_C.c.source == source).values(stamp=None, last_id="")
    if crm_object is not None:
        stmt = stmt.where(_C.c.crm_object == crm_object)
    session.execute(stmt)
