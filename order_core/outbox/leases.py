"""Leasing outbox events to a drainer, and recording what became of them, each in one short transaction.

A drainer never holds a transaction across a network call (on SQLite every transaction holds the
database's write lock): :func:`lease_events` marks a batch of due events as its own until a time
and commits; the drainer delivers them with no transaction open; :func:`record_outcomes` writes
the outcomes and commits. An outcome only lands while the lease is still the drainer's own: once
it lapses another drainer may lease the events again (a crashed drainer's events are not lost),
and the late outcome of the first one is ignored instead of overwriting the second one's.

Events of one aggregate (one order, one quote) leave in the order they were written: an event is
leased only with every older pending event of the same topic and aggregate, in the same batch
(oldest first), so while an older one is backing off or leased elsewhere, the later ones wait and
a retry never lets a later status overtake an earlier one. (A sender delivers a batch in order
and holds back an aggregate's later events after its first failure.)
"""

from __future__ import annotations

import os
import secrets
import socket
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, exists, or_, update
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from order_core.bulk_sql import one_of
from order_core.outbox.models import DEAD, DELIVERED, PENDING, SKIPPED, OutboxEvent
from order_core.outbox.outcomes import ERROR_LIMIT, Backoff, Outcome, Recorded
from order_core.settings import get_settings
from order_core.tx import transactional
from order_core.types import utcnow


def drainer_name(role: str) -> str:
    """A name for a drainer process: ``role@host:pid`` (each lease adds a random token to it)."""
    return f"{role}@{socket.gethostname()}:{os.getpid()}"[:60]


@dataclass(frozen=True)
class Lease:
    """A batch of events leased to one drainer until ``until``; ``owner`` is their ``leased_by``.

    ``events`` are detached snapshots, oldest first: reading them opens no transaction.
    """

    owner: str
    until: datetime
    events: list[OutboxEvent]


def _due(now: datetime) -> list[Any]:
    earlier = aliased(OutboxEvent)
    return [
        OutboxEvent.status == PENDING,
        col(OutboxEvent.next_attempt_at) <= now,
        or_(col(OutboxEvent.leased_until).is_(None), col(OutboxEvent.leased_until) <= now),
        # No older pending event of the aggregate that cannot go now (backing off, or leased).
        ~exists().where(
            col(earlier.topic) == col(OutboxEvent.topic),
            col(earlier.aggregate) == col(OutboxEvent.aggregate),
            col(earlier.aggregate_id) == col(OutboxEvent.aggregate_id),
            col(earlier.status) == PENDING,
            col(earlier.id) < col(OutboxEvent.id),
            or_(col(earlier.next_attempt_at) > now, col(earlier.leased_until) > now),
        ),
    ]


def _without_gaps(session: Session, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``rows`` minus every event whose aggregate has an older pending event outside ``rows``.

    On PostgreSQL, SKIP LOCKED passes over rows another drainer is leasing this very moment
    (not yet marked leased): their aggregates' later events must not go without them.
    """
    if not rows:
        return rows
    table = OutboxEvent.__table__  # type: ignore[attr-defined]
    taken = {r["id"] for r in rows}
    keys = {(r["topic"], r["aggregate"], r["aggregate_id"]) for r in rows}
    query = select(table.c.id, table.c.topic, table.c.aggregate, table.c.aggregate_id).where(
        table.c.status == PENDING,
        table.c.id < max(taken),
        one_of(session, table.c.aggregate_id, sorted({k[2] for k in keys})),
    )
    first_gap: dict[tuple[str, str, str], int] = {}
    for event_id, *key in session.execute(query):
        k = (key[0], key[1], key[2])
        if k in keys and event_id not in taken:
            first_gap[k] = min(event_id, first_gap.get(k, event_id))
    return [
        r
        for r in rows
        if r["id"] < first_gap.get((r["topic"], r["aggregate"], r["aggregate_id"]), r["id"] + 1)
    ]


@transactional
def lease_events(
    topic_prefix: str,
    *,
    session: Session,
    owner: str,
    limit: int = 100,
    ttl: timedelta | None = None,
    now: datetime | None = None,
    aggregate_id: str | None = None,
) -> Lease:
    """Lease up to ``limit`` due events whose topic starts with ``topic_prefix``, oldest first.

    ``aggregate_id`` narrows the lease to one aggregate's events (a connection's pull requests).

    Due: pending, past their backoff, not leased or leased until a time already past (the drainer
    that held them died or overran). One short transaction, committed on return; on PostgreSQL the
    rows are taken with SKIP LOCKED, so concurrent drainers lease disjoint batches. ``ttl``
    defaults to ``CHANNELSYNC_OUTBOX_LEASE_SECONDS``. Call it with no transaction of your own open.
    """
    moment = now or utcnow()
    until = moment + (ttl or timedelta(seconds=get_settings().outbox_lease_seconds))
    lease_owner = f"{owner[:60]}/{secrets.token_hex(6)}"
    table = OutboxEvent.__table__  # type: ignore[attr-defined]
    wanted = [col(OutboxEvent.topic).startswith(topic_prefix), *_due(moment)]
    if aggregate_id is not None:
        wanted.append(col(OutboxEvent.aggregate_id) == aggregate_id)
    stmt = select(table).where(*wanted).order_by(col(OutboxEvent.id)).limit(limit)
    postgresql = session.get_bind().dialect.name == "postgresql"
    if postgresql:
        stmt = stmt.with_for_update(skip_locked=True)
    rows = [dict(row._mapping) for row in session.execute(stmt)]
    if postgresql:  # SQLite runs one writer at a time: nothing is leased meanwhile
        rows = _without_gaps(session, rows)
    if rows:
        session.execute(
            update(table)
            .where(one_of(session, table.c.id, [r["id"] for r in rows]))
            .values(leased_until=until, leased_by=lease_owner)
        )
    # Snapshots outside any session: reading them never opens a transaction or touches the
    # caller's identity map.
    events = [OutboxEvent(**{**r, "leased_until": until, "leased_by": lease_owner}) for r in rows]
    return Lease(lease_owner, until, events)


def _new_state(
    row: Any, outcome: Outcome, backoff: Backoff, moment: datetime
) -> tuple[dict[str, Any], str]:
    """The columns an outcome writes on its event, and what it counts as in :class:`Recorded`."""
    error = None if outcome.error is None else outcome.error[:ERROR_LIMIT]
    state = {
        "_status": PENDING,
        "_attempts": row.attempts,
        "_error": row.last_error,
        "_next": row.next_attempt_at,
        "_delivered": None,
    }
    if outcome.kind == "release":
        return state, "released"
    if outcome.kind == "skipped":
        state.update(_status=SKIPPED, _error=error)
        return state, "skipped"
    state["_attempts"] = row.attempts + 1
    if outcome.kind == "delivered":
        state.update(_status=DELIVERED, _delivered=moment)
        return state, "delivered"
    state["_error"] = error or "failed"
    if outcome.kind == "dead" or state["_attempts"] >= backoff.max_attempts:
        state["_status"] = DEAD
        return state, "dead"
    state["_next"] = moment + backoff.delay(state["_attempts"], outcome.retry_after)
    return state, "retried"


@transactional
def record_outcomes(
    lease: Lease,
    outcomes: Mapping[int, Outcome],
    *,
    session: Session,
    backoff: Backoff | None = None,
    now: datetime | None = None,
) -> Recorded:
    """Write the outcomes (by event id) of events of ``lease`` and end their lease, in one transaction.

    An event whose lease is no longer ``lease.owner`` (it lapsed and another drainer leased the
    event, or that drainer already recorded it) is left as it is and counted as ``lost``. Events of
    the lease without an outcome stay leased until the lease lapses. ``backoff`` defaults to the
    ``CHANNELSYNC_OUTBOX_*`` settings.
    """
    leased = {e.id for e in lease.events}
    strangers = sorted(set(outcomes) - leased)
    if strangers:
        raise ValueError(f"outcomes for events {strangers} that are not in this lease")
    if not outcomes:
        return Recorded()
    policy = backoff or Backoff.from_settings()
    moment = now or utcnow()
    table = OutboxEvent.__table__  # type: ignore[attr-defined]
    query = select(table.c.id, table.c.attempts, table.c.last_error, table.c.next_attempt_at).where(
        one_of(session, table.c.id, sorted(outcomes)),
        table.c.leased_by == lease.owner,
        table.c.status == PENDING,
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()  # a drainer re-leasing them now waits, then sees them taken
    rows = list(session.execute(query))
    counts = dict.fromkeys(("delivered", "retried", "dead", "skipped", "released"), 0)
    params = []
    for row in rows:
        state, counted = _new_state(row, outcomes[row.id], policy, moment)
        counts[counted] += 1
        params.append({"_id": row.id, "_owner": lease.owner, **state})
    if params:
        stmt = (
            update(table)
            .where(table.c.id == bindparam("_id"), table.c.leased_by == bindparam("_owner"))
            .values(
                status=bindparam("_status"),
                attempts=bindparam("_attempts"),
                last_error=bindparam("_error"),
                next_attempt_at=bindparam("_next"),
                delivered_at=bindparam("_delivered"),
                leased_until=None,
                leased_by=None,
            )
        )
        session.connection().execute(stmt, params)
    return Recorded(**counts, lost=len(outcomes) - len(rows))
