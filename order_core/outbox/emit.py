"""Writing outbox events in the caller's transaction (one by one, or many in one INSERT)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlmodel import Session

from order_core.audit import json_text
from order_core.outbox.models import PENDING, OutboxEvent
from order_core.rowbatch import insert_rows
from order_core.types import utcnow

# Topics: "crm.<entity>" (push-back to the CRM), "prm.webhook" (signed PRM webhook),
# "notify.email" (a notification to deliver). Drainers lease by topic prefix.


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
    # Pending events of ``emit_event`` are flushed first, so ids keep the order in which events
    # were emitted (consumers deliver by id); then one row batch (the ORM's executemany costs
    # several times more per row).
    session.flush()
    insert_rows(session, [(OutboxEvent.__table__, event_rows(rows))])  # type: ignore[attr-defined]


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
            "status": PENDING,
            "attempts": 0,
            "created_at": now,
            "next_attempt_at": now,
            "delivered_at": None,
            "last_error": None,
            "leased_until": None,
            "leased_by": None,
        }
        for topic, aggregate, aggregate_id, payload, partner_id in rows
    ]
