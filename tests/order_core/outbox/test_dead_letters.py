"""Dead letters: listed and re-queued by vendor admins only, all-or-nothing by id, audited."""

from __future__ import annotations

import json

import pytest
from sqlmodel import Session, col, select

from order_core.actors import Actor
from order_core.audit import AuditEntry
from order_core.errors import AccessDenied, NotFoundError
from order_core.outbox import OutboxEvent, emit_event
from order_core.outbox.dead_letters import list_dead_letters, requeue_dead_letters
from order_core.outbox.leases import lease_events, record_outcomes
from order_core.outbox.outcomes import Outcome

ADMIN = Actor.vendor("ops@vendor.example")
PARTNER = Actor(
    user="buyer@alpha.example", kind="partner", roles=frozenset({"admin"}), partner_id=1, buyer_id=1
)


def _dead_letters(session: Session) -> tuple[list[int], int]:
    """Three dead letters (two crm.order, one prm.webhook) and one pending event."""
    events = [
        emit_event(session, "crm.order", "order", "O-1", {"n": 1}, partner_id=3),
        emit_event(session, "crm.order", "order", "O-2", {"n": 2}),
        emit_event(session, "prm.webhook", "order", "O-1", {"n": 3}, partner_id=3),
        emit_event(session, "crm.quote", "quote", "Q-1", {"n": 4}),
    ]
    session.commit()
    ids = [e.id for e in events if e.id is not None]
    lease = lease_events("", session=session, owner="t")
    outcomes = {i: Outcome.dead(f"HTTP 400 for {i}") for i in ids[:3]}
    outcomes[ids[3]] = Outcome.retry("HTTP 503")
    record_outcomes(lease, outcomes, session=session)
    return ids[:3], ids[3]


def test_list_by_topic_and_vendor_only(session: Session) -> None:
    dead, _pending = _dead_letters(session)
    listed = list_dead_letters(session=session, actor=ADMIN)
    assert [(e.id, e.last_error) for e in listed] == [(i, f"HTTP 400 for {i}") for i in dead]
    assert [e.id for e in list_dead_letters(session=session, actor=ADMIN, topic_prefix="prm.")] == [
        dead[2]
    ]
    with pytest.raises(AccessDenied, match="may not list dead letters"):
        list_dead_letters(session=session, actor=PARTNER)
    with pytest.raises(AccessDenied):
        requeue_dead_letters(session=session, actor=PARTNER)


def test_requeue_by_id_all_or_nothing_and_audited(session: Session) -> None:
    dead, pending = _dead_letters(session)
    with pytest.raises(NotFoundError, match=f"dead letter\\(s\\) {pending}, 999 not found"):
        requeue_dead_letters(session=session, actor=ADMIN, ids=[dead[0], pending, 999])
    with pytest.raises(NotFoundError, match=r"of topic prm\.\*"):
        requeue_dead_letters(session=session, actor=ADMIN, ids=[dead[0]], topic_prefix="prm.")
    assert len(list_dead_letters(session=session, actor=ADMIN)) == 3  # nothing changed
    assert requeue_dead_letters(session=session, actor=ADMIN, ids=[dead[0]]) == [dead[0]]
    session.expire_all()
    event = session.get(OutboxEvent, dead[0])
    assert event is not None
    assert (event.status, event.attempts, event.last_error) == (
        "pending",
        0,
        f"HTTP 400 for {dead[0]}",
    )
    assert [e.id for e in lease_events("crm.", session=session, owner="t").events] == [dead[0]]
    audit = session.exec(select(AuditEntry).where(AuditEntry.action == "requeue_dead_letter")).one()
    assert (audit.actor, audit.entity, audit.entity_id, audit.partner_id) == (
        "ops@vendor.example",
        "outbox_event",
        str(dead[0]),
        3,
    )
    assert json.loads(audit.changes) == {"status": ["dead", "pending"], "attempts": [1, 0]}


def test_requeue_all_of_a_topic(session: Session) -> None:
    dead, _pending = _dead_letters(session)
    assert requeue_dead_letters(session=session, actor=ADMIN, topic_prefix="crm.") == dead[:2]
    assert [e.id for e in list_dead_letters(session=session, actor=ADMIN)] == [dead[2]]
    assert requeue_dead_letters(session=session, actor=ADMIN) == [dead[2]]
    assert requeue_dead_letters(session=session, actor=ADMIN) == []
    statuses = session.exec(select(OutboxEvent.status).order_by(col(OutboxEvent.id))).all()
    assert statuses == ["pending"] * 4
