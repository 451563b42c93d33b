"""Sync runs: one row per pull of one connection, with how it ended and its report; and sync status."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from order_core.actors import Actor, require_vendor
from order_core.audit import json_text
from order_core.sync.models import QuarantineEntry, SyncCursor, SyncRun
from order_core.tx import transactional
from order_core.types import utcnow


@transactional
def start_run(source: str, *, session: Session, actor: Actor) -> int:
    """Record that a pull of ``source`` began; returns the run id.

    Runs of the same connection still marked running were cut short (a killed process: one pull
    per connection runs at a time), so they become ``interrupted``.
    """
    require_vendor(actor, "sales_ops", action="run a CRM sync")
    stale = session.exec(
        select(SyncRun).where(col(SyncRun.source) == source, col(SyncRun.status) == "running")
    )
    for old in stale:
        old.status = "interrupted"
        session.add(old)
    run = SyncRun(source=source, started_at=utcnow())
    session.add(run)
    session.flush()
    assert run.id is not None
    return run.id


@transactional
def finish_run(
    run_id: int, status: str, report: dict[str, Any], *, session: Session, actor: Actor
) -> None:
    """Record how a run ended (ok | stopped | failed) and its report."""
    require_vendor(actor, "sales_ops", action="run a CRM sync")
    run = session.get(SyncRun, run_id)
    if run is None:
        raise ValueError(f"sync run {run_id} does not exist")
    run.finished_at = utcnow()
    run.status = status
    run.report = json_text(report)
    session.add(run)


@dataclass(frozen=True)
class ObjectStatus:
    """One object of one connection: its cursor and when it was last re-read in full."""

    crm_object: str
    stamp: datetime | None
    last_id: str
    full_refresh_at: datetime | None


@dataclass(frozen=True)
class ConnectionStatus:
    """What ``channelsync sync status`` shows for one connection."""

    source: str
    objects: list[ObjectStatus]
    last_run: SyncRun | None
    quarantined: int

    def last_report(self) -> dict[str, Any]:
        """The last run's report as a dictionary."""
        return {} if self.last_run is None else dict(json.loads(self.last_run.report))


@transactional
def sync_status(sources: list[str], *, session: Session, actor: Actor) -> list[ConnectionStatus]:
    """Cursors, the last run and the quarantine count of each connection."""
    require_vendor(actor, "sales_ops", action="read the sync status")
    out = []
    for source in sources:
        cursors = session.exec(
            select(SyncCursor)
            .where(col(SyncCursor.source) == source)
            .order_by(col(SyncCursor.crm_object))
        )
        last = session.exec(
            select(SyncRun)
            .where(col(SyncRun.source) == source)
            .order_by(col(SyncRun.id).desc())
            .limit(1)
        ).first()
        held = session.exec(
            select(func.count())
            .select_from(QuarantineEntry)
            .where(col(QuarantineEntry.source) == source)
        ).one()
        objects = [
            ObjectStatus(c.crm_object, c.stamp, c.last_id, c.full_refresh_at) for c in cursors
        ]
        out.append(ConnectionStatus(source, objects, last, int(held)))
    return out
