"""The demo's core starts afresh on every run, as its CRM sandboxes do (they start from their seed).

A core that kept what earlier runs pulled and pushed would differ from the freshly seeded CRMs,
and the reconcile would report that as drift. So each run drops the core's schema (Alembic's
downgrade to base: only the tables of the migrations) and creates it again. A core the demo did
not set up is never touched: its first audit entry must be the demo's own catalog load. The Dagster
instance is not reset: the runs of earlier demos stay in the UI.
"""

from __future__ import annotations

from alembic import command
from sqlalchemy import inspect
from sqlalchemy.engine import make_url
from sqlmodel import Session, col, select

from channelsync.demo.cast import READER
from order_core.audit import AuditEntry
from order_core.db import alembic_config, make_engine
from order_core.errors import DomainError


def _first_actor(url: str) -> str | None:
    """Who made the core's first recorded change (None: no schema or no change yet)."""
    engine = make_engine(url)
    try:
        if not inspect(engine).has_table(AuditEntry.__tablename__):
            return None
        with Session(engine) as session:
            stmt = select(AuditEntry.actor).order_by(col(AuditEntry.id)).limit(1)
            return session.exec(stmt).first()
    finally:
        engine.dispose()


def reset_core(url: str) -> bool:
    """Drop the schema of the demo's core at ``url`` (True), or do nothing for an empty one (False).

    DomainError, naming the database and the fix, when the core holds changes the demo did not make.
    """
    actor = _first_actor(url)
    if actor is None:
        return False
    if actor != READER.user:
        shown = make_url(url).render_as_string(hide_password=True)
        raise DomainError(
            f"database {shown}: the demo starts its core afresh on every run, and this core holds "
            f"records the demo did not write (its first change is by {actor}); set "
            "CHANNELSYNC_DATABASE_URL to a database of its own for the demo"
        )
    command.downgrade(alembic_config(url), "base")
    return True
