"""Dead letters: outbox events that gave up (a refusal, or too many failures), listed and re-queued.

Vendor admins only. A re-queued event is pending again with its attempts reset; its last error
stays until the next attempt replaces it. Every re-queue is audited.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import update
from sqlmodel import Session, col, select

from order_core.actors import Actor, require_vendor
from order_core.audit import AuditRow, record_audits
from order_core.bulk_sql import chunks, one_of
from order_core.errors import NotFoundError
from order_core.outbox.models import DEAD, PENDING, OutboxEvent
from order_core.tx import transactional
from order_core.types import utcnow


@transactional
def list_dead_letters(
    *, session: Session, actor: Actor, topic_prefix: str | None = None, limit: int = 100
) -> list[OutboxEvent]:
    """Dead letters (of topics starting with ``topic_prefix``, if given), oldest first."""
    require_vendor(actor, action="list dead letters")
    stmt = select(OutboxEvent).where(OutboxEvent.status == DEAD)
    if topic_prefix:
        stmt = stmt.where(col(OutboxEvent.topic).startswith(topic_prefix))
    return list(session.exec(stmt.order_by(col(OutboxEvent.id)).limit(limit)))


@transactional
def requeue_dead_letters(
    *,
    session: Session,
    actor: Actor,
    ids: Sequence[int] | None = None,
    topic_prefix: str | None = None,
) -> list[int]:
    """Make dead letters pending again, due now with no attempts; returns their ids.

    ``ids`` None: every dead letter (of ``topic_prefix``, if given). An id that is not a dead
    letter (of that topic) refuses the whole call with NotFoundError naming it; nothing changes.
    """
    require_vendor(actor, action="re-queue dead letters")
    table = OutboxEvent.__table__  # type: ignore[attr-defined]
    query = select(table.c.id, table.c.attempts, table.c.partner_id).where(table.c.status == DEAD)
    if topic_prefix:
        query = query.where(table.c.topic.startswith(topic_prefix))
    found: list[tuple[int, int, int | None]] = []
    if ids is None:
        found = [(r[0], r[1], r[2]) for r in session.execute(query)]
    else:
        wanted = sorted(set(ids))
        for chunk in chunks(wanted):
            chosen = session.execute(query.where(one_of(session, table.c.id, chunk)))
            found.extend((r[0], r[1], r[2]) for r in chosen)
        missing = sorted(set(wanted) - {r[0] for r in found})
        if missing:
            what = f" of topic {topic_prefix}*" if topic_prefix else ""
            raise NotFoundError(
                f"dead letter(s) {', '.join(map(str, missing))}{what} not found; "
                "`channelsync sync dead-letters list` shows the dead letters"
            )
    found.sort()
    now = utcnow()
    for chunk in chunks([r[0] for r in found]):
        session.execute(
            update(table)
            .where(one_of(session, table.c.id, chunk), table.c.status == DEAD)
            .values(
                status=PENDING, attempts=0, next_attempt_at=now, leased_until=None, leased_by=None
            )
        )
    rows: list[AuditRow] = [
        (
            "requeue_dead_letter",
            "outbox_event",
            event_id,
            {"status": [DEAD, PENDING], "attempts": [attempts, 0]},
            partner_id,
        )
        for event_id, attempts, partner_id in found
    ]
    record_audits(session, actor, rows)
    return [r[0] for r in found]
