"""The quarantine: CRM records that could not be applied, kept with their payload to retry later."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from sqlalchemy import CursorResult, Delete, and_, bindparam, delete, func, or_
from sqlalchemy import select as core_select
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from order_core.actors import Actor, require_vendor
from order_core.bulk_sql import chunks, keys_in, keys_value
from order_core.errors import NotFoundError
from order_core.rowbatch import table_of
from order_core.sync.models import QuarantineEntry, SyncRecord
from order_core.tx import transactional

_Q = table_of(QuarantineEntry)


@dataclass(frozen=True, slots=True)
class Held:
    """Why one record is held: the reason, and the parent it waits for when that is the reason."""

    crm_object: str
    target: str
    crm_id: str
    stamp: datetime
    reason: str
    payload: str
    waiting: tuple[str, str] | None = None


def hold(session: Session, source: str, version: int, held: Sequence[Held], now: datetime) -> None:
    """Put records in the quarantine, or refresh their entry (reason, payload, attempts)."""
    if not held:
        return
    rows = [
        {
            "source": source,
            "crm_object": h.crm_object,
            "target": h.target,
            "crm_id": h.crm_id,
            "crm_stamp": h.stamp,
            "reason": h.reason,
            "payload": h.payload,
            "mapping_version": version,
            "waiting_target": h.waiting[0] if h.waiting else None,
            "waiting_crm_id": h.waiting[1] if h.waiting else None,
            "attempts": 1,
            "first_seen_at": now,
            "last_tried_at": now,
        }
        for h in held
    ]
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    stmt = insert(_Q)
    keep = (
        "crm_object",
        "crm_stamp",
        "reason",
        "payload",
        "mapping_version",
        "waiting_target",
        "waiting_crm_id",
        "last_tried_at",
    )
    stmt = stmt.on_conflict_do_update(
        index_elements=["source", "target", "crm_id"],
        set_={**{k: stmt.excluded[k] for k in keep}, "attempts": _Q.c.attempts + 1},
    )
    session.execute(stmt, rows)


def release(session: Session, source: str, keys: Iterable[tuple[str, str]]) -> int:
    """Remove the entries of records that are applied now; returns how many there were."""
    by_target: dict[str, list[str]] = {}
    for target, crm_id in keys:
        by_target.setdefault(target, []).append(crm_id)
    removed = 0
    dialect = session.get_bind().dialect.name
    for target, ids in by_target.items():
        for chunk in chunks(sorted(set(ids))):
            params = {"source": source, "target": target, "keys": keys_value(dialect, chunk)}
            result = session.execute(_release(dialect), params)
            assert isinstance(result, CursorResult)
            removed += result.rowcount or 0
    return removed


@lru_cache(maxsize=4)
def _release(dialect: str) -> Delete:
    """Built once: a pull runs it in every transaction."""
    return delete(_Q).where(
        _Q.c.source == bindparam("source"),
        _Q.c.target == bindparam("target"),
        keys_in(dialect, _Q.c.crm_id),
    )


def retryable(
    session: Session,
    source: str,
    *,
    version: int | None = None,
    everything: bool = False,
    limit: int = 2000,
    after: int = 0,
) -> list[QuarantineEntry]:
    """Entries worth another try: every one (``everything``), or those whose parent has arrived
    and those quarantined under an older mapping version than ``version``; by id, after ``after``
    (page through them by passing the last id seen)."""
    stmt = select(QuarantineEntry).where(
        col(QuarantineEntry.source) == source, col(QuarantineEntry.id) > after
    )
    if not everything:
        links = table_of(SyncRecord).c
        parent_here = (
            core_select(links.id)
            .where(
                links.source == source,
                links.target == _Q.c.waiting_target,
                links.crm_id == _Q.c.waiting_crm_id,
            )
            .exists()
        )
        conditions = [and_(_Q.c.waiting_target.is_not(None), parent_here)]
        if version is not None:
            conditions.append(_Q.c.mapping_version < version)
        stmt = stmt.where(or_(*conditions))
    stmt = stmt.order_by(col(QuarantineEntry.id)).limit(limit)
    return list(session.exec(stmt))


@transactional
def list_quarantine(
    *, session: Session, actor: Actor, source: str | None = None, limit: int = 100
) -> list[QuarantineEntry]:
    """Quarantined records, oldest first (vendor staff)."""
    require_vendor(actor, "sales_ops", action="read the sync quarantine")
    stmt = (
        select(QuarantineEntry)
        .order_by(col(QuarantineEntry.first_seen_at), col(QuarantineEntry.id))
        .limit(limit)
    )
    if source is not None:
        stmt = stmt.where(QuarantineEntry.source == source)
    return list(session.exec(stmt))


@transactional
def get_quarantined(entry_id: int, *, session: Session, actor: Actor) -> QuarantineEntry:
    """One quarantined record with its payload."""
    require_vendor(actor, "sales_ops", action="read the sync quarantine")
    entry = session.get(QuarantineEntry, entry_id)
    if entry is None:
        raise NotFoundError(
            f"quarantine entry {entry_id} not found; `channelsync sync quarantine list` shows them"
        )
    return entry


@transactional
def quarantine_counts(*, session: Session, actor: Actor) -> dict[str, dict[str, int]]:
    """Quarantined records per connection and reason (the first 80 characters of it)."""
    require_vendor(actor, "sales_ops", action="read the sync quarantine")
    reason = func.substr(_Q.c.reason, 1, 80)
    stmt = core_select(_Q.c.source, reason, func.count()).group_by(_Q.c.source, reason)
    out: dict[str, dict[str, int]] = {}
    for source, text, n in session.execute(stmt):
        out.setdefault(source, {})[text] = int(n)
    return out


@transactional
def quarantine_reasons(*, session: Session, actor: Actor, source: str) -> dict[str, dict[str, int]]:
    """One connection's quarantined records per CRM object and reason (its first 80 characters)."""
    require_vendor(actor, "sales_ops", action="read the sync quarantine")
    reason = func.substr(_Q.c.reason, 1, 80)
    stmt = (
        core_select(_Q.c.crm_object, reason, func.count())
        .where(_Q.c.source == source)
        .group_by(_Q.c.crm_object, reason)
    )
    out: dict[str, dict[str, int]] = {}
    for crm_object, text, n in session.execute(stmt):
        out.setdefault(crm_object, {})[text] = int(n)
    return out
