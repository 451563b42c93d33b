"""The transactional outbox: events written with the change that causes them, drained by the sync engine."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Column, Text, insert
from sqlmodel import Field, Session, SQLModel, col, select

from order_core.audit import json_text
from order_core.types import UtcDateTime, utcnow

# Topics: "crm.<entity>" (push-back to the CRM), "prm.webhook" (signed PRM webhook),
# "notify.email" (a notification to deliver). Consumers select by topic prefix.


class OutboxEvent(SQLModel, table=True):
    """One event to deliver; ``status`` is pending, delivered or dead (a dead letter)."""

    __tablename__ = "outbox_event"

    id: int | None = Field(default=None, primary_key=True)
    topic: str = Field(max_length=60, index=True)
    aggregate: str = Field(max_length=40)
    aggregate_id: str = Field(max_length=80, index=True)
    partner_id: int | None = Field(default=None, index=True)
    payload: str = Field(sa_column=Column(Text, nullable=False))
    status: str = Field(default="pending", max_length=12, index=True)
    attempts: int = 0
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UtcDateTime(), nullable=False)
    )
    next_attempt_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UtcDateTime(), nullable=False, index=True)
    )
    delivered_at: datetime | None = Field(
        default=None, sa_column=Column(UtcDateTime(), nullable=True)
    )
    last_error: str | None = Field(default=None, sa_column=Column(Text, nullable=True))

    def data(self) -> dict[str, Any]:
        """The payload decoded."""
        value = json.loads(self.payload)
        assert isinstance(value, dict)
        return value


def emit_event(
    session: Session,
    topic: str,
    aggregate: str,
    aggregate_id: object,
    payload: dict[str, Any],
    *,
    partner_id: int | None = None,
) -> OutboxEvent:
    """Add an event to the current transaction; it is delivered only if the transaction commits."""
    event = OutboxEvent(
        topic=topic,
        aggregate=aggregate,
        aggregate_id=str(aggregate_id),
        partner_id=partner_id,
        payload=json_text(payload),
    )
    session.add(event)
    return event


EventRow = tuple[str, str, object, dict[str, Any], int | None]


def emit_events(session: Session, rows: Sequence[EventRow]) -> None:
    """Write many events ``(topic, aggregate, aggregate_id, payload, partner_id)`` in one INSERT.

    The bulk form of ``emit_event`` for hot paths (an order transition writes three): same rows,
    same transaction, no ORM object per event. Events get ids in the order given.
    """
    if not rows:
        return
    # Through the session: pending events of ``emit_event`` are flushed first, so ids keep the
    # order in which events were emitted (consumers deliver by id).
    session.execute(insert(OutboxEvent.__table__), event_rows(rows))  # type: ignore[attr-defined]


def event_rows(rows: Sequence[EventRow]) -> list[dict[str, Any]]:
    """Table rows of pending events ``(topic, aggregate, aggregate_id, payload, partner_id)``."""
    now = utcnow()
    return [
        {
            "topic": topic,
            "aggregate": aggregate,
            "aggregate_id": str(aggregate_id),
            "partner_id": partner_id,
            "payload": json_text(payload),
            "status": "pending",
            "attempts": 0,
            "created_at": now,
            "next_attempt_at": now,
            "delivered_at": None,
            "last_error": None,
        }
        for topic, aggregate, aggregate_id, payload, partner_id in rows
    ]


def pending_events(
    session: Session, topic_prefix: str, *, limit: int = 100, now: datetime | None = None
) -> list[OutboxEvent]:
    """Due pending events whose topic starts with ``topic_prefix``, oldest first.

    On PostgreSQL the rows are locked with SKIP LOCKED so concurrent drainers never take the same event.
    """
    stmt = (
        select(OutboxEvent)
        .where(
            col(OutboxEvent.topic).startswith(topic_prefix),
            OutboxEvent.status == "pending",
            col(OutboxEvent.next_attempt_at) <= (now or utcnow()),
        )
        .order_by(col(OutboxEvent.id))
        .limit(limit)
    )
    bind = session.get_bind()
    if bind.dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True)
    return list(session.exec(stmt))


def mark_delivered(session: Session, events: list[OutboxEvent]) -> None:
    """Mark events delivered (the caller commits)."""
    now = utcnow()
    for event in events:
        event.status = "delivered"
        event.delivered_at = now
        event.attempts += 1
        session.add(event)


def mark_failed(
    session: Session,
    event: OutboxEvent,
    error: str,
    *,
    max_attempts: int = 8,
    base_delay: timedelta = timedelta(seconds=30),
) -> None:
    """Record a failed delivery: retry later with exponential backoff, or dead-letter after ``max_attempts``."""
    event.attempts += 1
    event.last_error = error[:2000]
    if event.attempts >= max_attempts:
        event.status = "dead"
    else:
        event.next_attempt_at = utcnow() + base_delay * (2 ** (event.attempts - 1))
    session.add(event)
