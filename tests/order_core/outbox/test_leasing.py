"""Leasing outbox events: disjoint batches, lapsed leases taken over, late outcomes ignored, per-aggregate order."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from order_core.db import new_session
from order_core.outbox import OutboxEvent, emit_event
from order_core.outbox.leases import lease_events, record_outcomes
from order_core.outbox.outcomes import Outcome
from order_core.types import utcnow


def _emit(
    session: Session, n: int, topic: str = "crm.order", *, same_aggregate: bool = False
) -> list[int]:
    events = [
        emit_event(session, topic, "order", "A" if same_aggregate else f"O-{i}", {"n": i})
        for i in range(n)
    ]
    session.commit()
    return [e.id for e in events if e.id is not None]


def _rows(session: Session) -> list[OutboxEvent]:
    session.expire_all()
    rows = list(session.exec(select(OutboxEvent).order_by(col(OutboxEvent.id))))
    session.commit()
    return rows


def test_a_lease_is_committed_and_leaves_no_transaction_open(session: Session) -> None:
    ids = _emit(session, 3)
    _emit(session, 1, topic="notify.email")
    lease = lease_events("crm.", session=session, owner="t", limit=2)
    assert not session.in_transaction()  # the caller may now call out: nothing is locked
    assert [e.id for e in lease.events] == ids[:2]  # oldest first, by prefix, up to the limit
    assert all(e.leased_by == lease.owner and e.data()["n"] in (0, 1) for e in lease.events)
    rows = _rows(session)
    assert [(r.id, r.leased_by) for r in rows if r.leased_by] == [(i, lease.owner) for i in ids[:2]]
    # Another drainer gets the rest only.
    other = lease_events("crm.", session=session, owner="u")
    assert [e.id for e in other.events] == ids[2:]
    assert other.owner != lease.owner


def test_two_drainers_at_once_never_get_the_same_event(engine: Engine) -> None:
    with new_session(engine) as s:
        ids = _emit(s, 60)
    got: dict[str, list[int]] = {"a": [], "b": []}
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def drain(name: str) -> None:
        try:
            with new_session(engine) as s:
                start.wait()
                while True:
                    lease = lease_events("crm.", session=s, owner=name, limit=4)
                    if not lease.events:
                        return
                    got[name].extend(e.id for e in lease.events if e.id is not None)
                    record_outcomes(
                        lease, {e.id: Outcome.delivered() for e in lease.events if e.id}, session=s
                    )
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=drain, args=(n,)) for n in got]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert errors == []
    assert not set(got["a"]) & set(got["b"])
    assert sorted(got["a"] + got["b"]) == ids
    with new_session(engine) as s:
        assert {(r.status, r.attempts, r.leased_by) for r in _rows(s)} == {("delivered", 1, None)}


def test_a_lapsed_lease_is_taken_over_and_the_late_outcome_ignored(session: Session) -> None:
    (event_id,) = _emit(session, 1)
    t0 = utcnow()
    first = lease_events("crm.", session=session, owner="a", ttl=timedelta(seconds=60), now=t0)
    assert [e.id for e in first.events] == [event_id]
    still = lease_events("crm.", session=session, owner="b", now=t0 + timedelta(seconds=59))
    assert still.events == []  # the lease still holds
    second = lease_events("crm.", session=session, owner="b", now=t0 + timedelta(seconds=61))
    assert [e.id for e in second.events] == [event_id]  # a crashed or slow drainer's event
    late = record_outcomes(first, {event_id: Outcome.delivered()}, session=session)
    assert (late.delivered, late.lost) == (0, 1)
    (row,) = _rows(session)
    assert (row.status, row.attempts, row.leased_by) == ("pending", 0, second.owner)
    done = record_outcomes(second, {event_id: Outcome.retry("503 from the PRM")}, session=session)
    assert (done.retried, done.lost) == (1, 0)
    # The first drainer's retry, arriving even later, changes nothing either.
    record_outcomes(first, {event_id: Outcome.dead("late")}, session=session)
    (row,) = _rows(session)
    assert (row.status, row.attempts, row.last_error, row.leased_by) == (
        "pending",
        1,
        "503 from the PRM",
        None,
    )


def test_failures_back_off_exponentially_then_become_a_dead_letter(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CHANNELSYNC_OUTBOX_MAX_ATTEMPTS", "4")
    monkeypatch.setenv("CHANNELSYNC_OUTBOX_RETRY_BASE_SECONDS", "10")
    monkeypatch.setenv("CHANNELSYNC_OUTBOX_RETRY_MAX_SECONDS", "35")
    from order_core.settings import get_settings

    get_settings.cache_clear()
    (event_id,) = _emit(session, 1)
    now = utcnow()
    waits = []
    for attempt in range(1, 4):
        lease = lease_events("crm.", session=session, owner="d", now=now)
        assert [e.id for e in lease.events] == [event_id]
        record_outcomes(
            lease, {event_id: Outcome.retry(f"HTTP 503 #{attempt}")}, session=session, now=now
        )
        (row,) = _rows(session)
        assert (row.status, row.attempts, row.last_error) == (
            "pending",
            attempt,
            f"HTTP 503 #{attempt}",
        )
        wait = (row.next_attempt_at - now).total_seconds()
        waits.append(wait)
        assert lease_events("crm.", session=session, owner="d", now=now).events == []  # backing off
        now = row.next_attempt_at
    # 10 s, 20 s, then 40 s capped at 35 s; each with jitter between half and all of it.
    for wait, full in zip(waits, (10, 20, 35), strict=True):
        assert full / 2 <= wait <= full
    lease = lease_events("crm.", session=session, owner="d", now=now)
    record_outcomes(lease, {event_id: Outcome.retry("HTTP 503 #4")}, session=session, now=now)
    (row,) = _rows(session)
    assert (row.status, row.attempts, row.last_error) == ("dead", 4, "HTTP 503 #4")
    assert (
        lease_events("crm.", session=session, owner="d", now=now + timedelta(days=1)).events == []
    )


def test_retry_after_is_honoured_and_outcome_kinds(session: Session) -> None:
    ids = _emit(session, 5)
    now = utcnow()
    lease = lease_events("crm.", session=session, owner="k", now=now)
    outcomes = {
        ids[0]: Outcome.retry("HTTP 429", retry_after=900),
        ids[1]: Outcome.dead("HTTP 400: field X is required"),
        ids[2]: Outcome.skipped("partner 7 has no webhook endpoint"),
        ids[3]: Outcome.release(),
        ids[4]: Outcome.delivered(),
    }
    rec = record_outcomes(lease, outcomes, session=session, now=now)
    assert (rec.retried, rec.dead, rec.skipped, rec.released, rec.delivered) == (1, 1, 1, 1, 1)
    rows = {r.id: r for r in _rows(session)}
    assert rows[ids[0]].next_attempt_at >= now + timedelta(seconds=900)
    assert (rows[ids[1]].status, rows[ids[1]].attempts) == ("dead", 1)
    assert (rows[ids[2]].status, rows[ids[2]].attempts, rows[ids[2]].last_error) == (
        "skipped",
        0,
        "partner 7 has no webhook endpoint",
    )
    assert (rows[ids[3]].status, rows[ids[3]].attempts, rows[ids[3]].leased_by) == (
        "pending",
        0,
        None,
    )
    assert rows[ids[4]].status == "delivered" and rows[ids[4]].delivered_at is not None
    again = lease_events("crm.", session=session, owner="k", now=now)
    assert [e.id for e in again.events] == [ids[3]]  # a released event is due at once


def test_events_of_one_aggregate_leave_in_order(session: Session) -> None:
    first, second, third = _emit(session, 3, same_aggregate=True)
    (other,) = _emit(session, 1)
    lease = lease_events("crm.", session=session, owner="o")
    assert [e.id for e in lease.events] == [first, second, third, other]  # together, in order
    outcomes = {
        first: Outcome.retry("timeout"),
        second: Outcome.retry("held back"),
        third: Outcome.release(),
        other: Outcome.delivered(),
    }
    record_outcomes(lease, outcomes, session=session)
    # `third` is due again at once, but waits for the older ones, which back off.
    assert lease_events("crm.", session=session, owner="o").events == []
    later = lease_events("crm.", session=session, owner="o", now=utcnow() + timedelta(hours=2))
    assert [e.id for e in later.events] == [first, second, third]
    # While an older event is leased elsewhere, the later ones of its aggregate wait too.
    record_outcomes(later, {second: Outcome.release(), third: Outcome.release()}, session=session)
    assert lease_events("crm.", session=session, owner="p").events == []
    record_outcomes(later, {first: Outcome.dead("refused")}, session=session)
    # A dead letter no longer holds the others back.
    nxt = lease_events("crm.", session=session, owner="o", now=utcnow() + timedelta(hours=2))
    assert [e.id for e in nxt.events] == [second, third]


def test_a_batch_cut_by_the_limit_keeps_the_order(session: Session) -> None:
    ids = _emit(session, 4, same_aggregate=True)
    assert [e.id for e in lease_events("crm.", session=session, owner="a", limit=2).events] == ids[
        :2
    ]
    assert lease_events("crm.", session=session, owner="b").events == []  # behind the lease


def test_outcomes_only_for_the_lease_and_errors_are_bounded(session: Session) -> None:
    ids = _emit(session, 2)
    lease = lease_events("crm.", session=session, owner="x", limit=1)
    with pytest.raises(ValueError, match=str(ids[1])):
        record_outcomes(lease, {ids[1]: Outcome.delivered()}, session=session)
    record_outcomes(lease, {ids[0]: Outcome.dead("x" * 5000)}, session=session)
    row = next(r for r in _rows(session) if r.id == ids[0])
    assert row.last_error == "x" * 2000


def test_postgresql_rows_being_leased_elsewhere_hold_back_their_aggregate(
    engine: Engine, session: Session
) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite runs one writer at a time: no lease is ever half-way elsewhere")
    first, second = _emit(session, 2, same_aggregate=True)
    (other,) = _emit(session, 1)
    # Another drainer is inside its lease transaction: it has locked `first`, not yet marked it.
    with engine.connect() as elsewhere:
        elsewhere.execute(
            text("SELECT id FROM outbox_event WHERE id = :i FOR UPDATE"), {"i": first}
        )
        lease = lease_events("crm.", session=session, owner="me")
        assert [e.id for e in lease.events] == [other]  # not `second` without `first`
        elsewhere.rollback()
    assert [e.id for e in lease_events("crm.", session=session, owner="me").events] == [
        first,
        second,
    ]
