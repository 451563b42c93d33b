"""The outbox backlog: how many events of a topic wait, and how long the oldest has waited."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, col, select

from order_core.actors import Actor, require_vendor
from order_core.outbox.models import PENDING, OutboxEvent
from order_core.tx import transactional
from order_core.types import utcnow


@dataclass(frozen=True)
class Backlog:
    """Pending events (of a topic prefix): all of them, those due now, the oldest and the first due."""

    pending: int
    due: int
    oldest_created_at: datetime | None
    first_due_id: int | None
    first_due_at: datetime | None


@transactional
def outbox_backlog(
    *, session: Session, actor: Actor, topic_prefix: str = "", now: datetime | None = None
) -> Backlog:
    """The backlog of pending events whose topic starts with ``topic_prefix`` (all: empty)."""
    require_vendor(actor, action="read the outbox backlog")
    moment = now or utcnow()
    where = [col(OutboxEvent.status) == PENDING, col(OutboxEvent.topic).startswith(topic_prefix)]
    pending, oldest = session.exec(
        select(func.count(), func.min(OutboxEvent.created_at)).where(*where)
    ).one()
    due_where = [*where, col(OutboxEvent.next_attempt_at) <= moment]
    due = session.exec(select(func.count()).select_from(OutboxEvent).where(*due_where)).one()
    first = session.exec(
        select(OutboxEvent.id, OutboxEvent.next_attempt_at)
        .where(*due_where)
        .order_by(col(OutboxEvent.next_attempt_at), col(OutboxEvent.id))
        .limit(1)
    ).first()
    return Backlog(
        int(pending),
        int(due),
        oldest,
        None if first is None else first[0],
        None if first is None else first[1],
    )
