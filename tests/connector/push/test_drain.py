"""The generic drainer: batches, per-event outcomes, whole-batch failures, limits and what it reports."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import col, select

from connector.errors import AuthError, RetriableError
from connector.push.drain import NO_OUTCOME, SendResult, drain, outcome_of
from order_core.db import new_session
from order_core.outbox import OutboxEvent, emit_event
from order_core.outbox.outcomes import Outcome
from order_core.types import utcnow

Plan = Callable[[Sequence[OutboxEvent]], SendResult]


class ScriptedSender:
    """A sender of ``crm.test`` events that answers each batch with ``plan`` and records the batches."""

    topic_prefix = "crm.test"

    def __init__(self, plan: Plan, batch_size: int = 3) -> None:
        self.plan = plan
        self.batch_size = batch_size
        self.batches: list[list[int]] = []

    def send(self, events: Sequence[OutboxEvent], lease_until: datetime) -> SendResult:
        assert lease_until > utcnow()
        self.batches.append([e.id for e in events if e.id is not None])
        return self.plan(events)


def _all_delivered(events: Sequence[OutboxEvent]) -> SendResult:
    return SendResult({e.id: Outcome.delivered() for e in events if e.id}, calls=1)


def _emit(engine: Engine, n: int) -> list[int]:
    with new_session(engine) as s:
        events = [emit_event(s, "crm.test", "thing", f"T-{i}", {"i": i}) for i in range(n)]
        emit_event(s, "crm.other", "thing", "X", {})  # another topic: never touched
        s.commit()
        return [e.id for e in events if e.id is not None]


def _state(engine: Engine) -> dict[int, tuple[str, int, str | None]]:
    with new_session(engine) as s:
        rows = s.exec(select(OutboxEvent).order_by(col(OutboxEvent.id))).all()
        return {r.id: (r.status, r.attempts, r.last_error) for r in rows if r.id}


def test_drains_in_batches_until_nothing_is_due(engine: Engine) -> None:
    ids = _emit(engine, 7)
    sender = ScriptedSender(_all_delivered)
    report = drain(engine, sender)
    assert sender.batches == [ids[0:3], ids[3:6], ids[6:7]]
    assert (report.delivered, report.calls, report.batches, report.failed, report.error) == (
        7,
        3,
        3,
        0,
        None,
    )
    state = _state(engine)
    assert {state[i] for i in ids} == {("delivered", 1, None)}
    assert [s for i, s in state.items() if i not in ids] == [("pending", 0, None)]
    assert drain(engine, sender).batches == 0  # nothing due any more


def test_max_events_limits_a_run(engine: Engine) -> None:
    ids = _emit(engine, 5)
    sender = ScriptedSender(_all_delivered)
    assert drain(engine, sender, max_events=4).delivered == 4
    assert sender.batches == [ids[0:3], ids[3:4]]
    assert drain(engine, sender).delivered == 1


def test_per_event_outcomes_retriable_fatal_and_missing(engine: Engine) -> None:
    ids = _emit(engine, 3)

    def plan(events: Sequence[OutboxEvent]) -> SendResult:
        first, second, _third = (e.id for e in events)
        assert first and second
        return SendResult(
            {
                first: outcome_of(RetriableError("sf", "HTTP 503", retry_after=120)),
                second: outcome_of(AuthError("sf", "INVALID_FIELD: Amount")),
            },
            calls=1,
        )

    report = drain(engine, ScriptedSender(plan))
    assert (report.retried, report.dead_lettered, report.delivered, report.failed) == (2, 1, 0, 3)
    state = _state(engine)
    assert state[ids[0]] == ("pending", 1, "sf: HTTP 503")
    assert state[ids[1]] == ("dead", 1, "sf: INVALID_FIELD: Amount")
    assert state[ids[2]] == ("pending", 1, NO_OUTCOME)
    with new_session(engine) as s:
        first = s.get(OutboxEvent, ids[0])
        assert first is not None and (first.next_attempt_at - utcnow()).total_seconds() > 100


@pytest.mark.parametrize(
    "error",
    [
        RetriableError("hs", "HTTP 503 for the batch call", retry_after=30),
        AuthError("hs", "token refused"),
    ],
)
def test_a_failed_batch_retries_every_event_and_stops_the_run(
    engine: Engine, error: Exception
) -> None:
    ids = _emit(engine, 5)

    def plan(_events: Sequence[OutboxEvent]) -> SendResult:
        raise error

    sender = ScriptedSender(plan)
    report = drain(engine, sender)
    assert sender.batches == [ids[0:3]]  # stopped after the failed batch
    assert (report.retried, report.dead_lettered, report.calls, report.error) == (
        3,
        0,
        1,
        str(error),
    )
    state = _state(engine)
    assert [state[i] for i in ids] == [("pending", 1, str(error))] * 3 + [("pending", 0, None)] * 2


def test_a_sender_bug_gives_the_leases_back_and_propagates(engine: Engine) -> None:
    ids = _emit(engine, 2)

    def plan(_events: Sequence[OutboxEvent]) -> SendResult:
        raise KeyError("bug")

    with pytest.raises(KeyError):
        drain(engine, ScriptedSender(plan))
    with new_session(engine) as s:
        rows = [s.get(OutboxEvent, i) for i in ids]
        assert [(r.status, r.attempts, r.leased_by) for r in rows if r] == [
            ("pending", 0, None)
        ] * 2
    assert drain(engine, ScriptedSender(_all_delivered)).delivered == 2  # due again at once


def test_a_batch_given_back_unattempted_stops_instead_of_looping(engine: Engine) -> None:
    _emit(engine, 2)

    def plan(events: Sequence[OutboxEvent]) -> SendResult:
        return SendResult({e.id: Outcome.release() for e in events if e.id}, calls=0)

    sender = ScriptedSender(plan)
    report = drain(engine, sender)
    assert len(sender.batches) == 1 and report.released == 2
    assert report.error is not None and "CHANNELSYNC_OUTBOX_LEASE_SECONDS" in report.error
