"""An order whose placed event failed at its lines is not activated by its later status events
before the retry: leasing holds an order's later events back while an older one of the same
topic and order backs off (``order_core.outbox.leases``), so they go with the retry in one batch,
which writes the order draft first. Once the older event is a dead letter, the later ones go."""

from __future__ import annotations

import json
from decimal import Decimal

from sqlalchemy import update
from sqlmodel import col, select

from connector.push.run import PushReport, open_writes, push_with
from crm_sandbox.common.faults import Fault
from order_core.db import new_session
from order_core.outbox import OutboxEvent
from order_core.outbox.models import DEAD, DELIVERED, PENDING
from order_core.types import utcnow
from tests.e2e.probes import FakeClock, fake_retry
from tests.e2e.push_world import (
    SF,
    PushWorld,
    advance,
    order_from_quote,
    quote_with_lines,
    retries_due_now,
)
from tests.e2e.test_push_activated_order import _sf_lines, _sf_order
from tests.e2e.test_push_draft_first import LATE, _core_lines, _statuses_sent

TOPIC = f"crm:{SF}:order"
BUSY = json.dumps([{"errorCode": "SERVER_UNAVAILABLE", "message": "busy"}]).encode()


def _push(world: PushWorld) -> PushReport:
    """A push whose client retries wait on a fake clock (nothing sleeps)."""
    writes, size = open_writes(world.connections[SF], retry=fake_retry(FakeClock()))
    return push_with(SF, world.engine, list(world.connections), writes, size)


def _events(world: PushWorld, number: str) -> list[OutboxEvent]:
    """The order's events on this connection's topic, oldest first."""
    with new_session(world.engine) as session:
        return list(
            session.exec(
                select(OutboxEvent)
                .where(col(OutboxEvent.topic) == TOPIC, OutboxEvent.aggregate_id == number)
                .order_by(col(OutboxEvent.id))
            )
        )


def _placed_fails_at_its_lines(world: PushWorld) -> str:
    """An order placed (``Submitted``, a Draft-category status) whose first push wrote the order
    but not its lines (Salesforce answering 503 to the lines' upsert until the run gave up)."""
    app = world.sandboxes.sf.app
    quote = quote_with_lines(world, SF)
    app.admin_api.set_activated_order_statuses(LATE)
    number = order_from_quote(world.engine, quote.id or 0)
    app.reset_log()
    app.add_fault(Fault("composite.upsert", "status", 503, BUSY, times=None, skip=1))
    report = _push(world)
    app.faults.clear()
    assert report.status == "failed" and report.topics[TOPIC].retried == 1, report.as_dict()
    assert _statuses_sent(world, "composite.upsert")[0] == "Submitted"
    order = _sf_order(world, number)
    assert (order["Status"], order["StatusCode"]) == ("Submitted", "Draft")
    assert _sf_lines(world, number) == {}
    [placed] = _events(world, number)
    assert placed.status == PENDING and placed.next_attempt_at > utcnow()
    return number


def test_status_events_wait_for_the_placed_event_retry_then_go_with_it_draft_first(
    world: PushWorld,
) -> None:
    app = world.sandboxes.sf.app
    number = _placed_fails_at_its_lines(world)
    # Status-only changes while the placed event backs off: accepted, fulfilled, invoiced (the
    # last two in the Activated category).
    assert advance(world.engine, number, "accept") == "accepted"
    assert advance(world.engine, number, "fulfil") == "invoiced"
    app.reset_log()

    held = _push(world)

    # None of the order's events is leased: the later ones wait behind the backing-off one.
    assert held.status == "ok" and held.topics[TOPIC].delivered == 0, held.as_dict()
    assert held.topics[TOPIC].batches == 0, held.as_dict()
    assert "composite.update" not in app.calls() and "composite.upsert" not in app.calls()
    order = _sf_order(world, number)
    assert (order["Status"], order["StatusCode"]) == ("Submitted", "Draft")
    events = _events(world, number)
    assert [e.status for e in events] == [PENDING] * 4
    assert [e.attempts for e in events] == [1, 0, 0, 0]

    retries_due_now(world.engine)
    app.reset_log()
    retry = _push(world)

    # The retry leases all four together: one write of the order, as a draft, its lines, then
    # its target status.
    assert retry.status == "ok" and retry.dead_lettered == 0, retry.as_dict()
    assert retry.topics[TOPIC].delivered == 4 and retry.topics[TOPIC].batches == 1
    assert _statuses_sent(world, "composite.upsert") == ["Submitted"]
    assert _statuses_sent(world, "composite.update") == ["Invoiced"]
    order = _sf_order(world, number)
    assert (order["Status"], order["StatusCode"]) == ("Invoiced", "Activated")
    lines = {k: Decimal(str(q)) for k, (q, _) in _sf_lines(world, number).items()}
    assert lines == _core_lines(world, number)
    counts = app.admin_api.external_id_counts("OrderItem")
    assert {k: counts[k] for k in lines} == dict.fromkeys(lines, 1)
    assert app.admin_api.external_id_counts("Order")[number] == 1
    assert {e.status for e in _events(world, number)} == {DELIVERED}


def test_status_events_go_once_the_placed_event_is_a_dead_letter(world: PushWorld) -> None:
    number = _placed_fails_at_its_lines(world)
    assert advance(world.engine, number, "accept") == "accepted"
    placed = _events(world, number)[0]
    with new_session(world.engine) as session:  # its attempts spent (the limit's dead letter)
        session.execute(
            update(OutboxEvent)
            .where(col(OutboxEvent.id) == placed.id)
            .values(status=DEAD, next_attempt_at=utcnow())
        )
        session.commit()

    report = _push(world)

    assert report.status == "ok" and report.topics[TOPIC].delivered == 1, report.as_dict()
    assert [e.status for e in _events(world, number)] == [DEAD, DELIVERED]
    assert _sf_order(world, number)["Status"] == "Accepted"
