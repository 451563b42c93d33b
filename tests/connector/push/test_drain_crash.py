"""``channelsync prm deliver`` killed with SIGKILL while its lease is out: the events are delivered after the lease lapses.

The drainer runs as a real subprocess (``tests/e2e/crash_child.py``, the console script with an
optional self-kill point) against the test's database and a receiver in the test process that
counts what it accepted by event id. Killed before its call or while the partner is still working
on it, every event is accepted exactly once; killed after the partner accepted but before the
outcome was committed, the event comes again with the same ``X-Channelsync-Event-Id``, which is
what the receiver deduplicates on (delivery is at least once).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from pydantic import SecretStr
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from connector.push.drain import drain
from connector.push.prm_webhook import PrmWebhookSender
from order_core.actors import Actor
from order_core.outbox import OutboxEvent, emit_event
from order_core.partners.models import Partner
from order_core.types import utcnow
from order_core.webhooks.endpoints import set_partner_webhook
from tests.connector.push.receiver import Answer, Received, Receiver, running

CHILD = Path(__file__).resolve().parents[2] / "e2e" / "crash_child.py"
#: Waits that end long before this when all is well; reaching one fails the test (not a measurement).
PATIENCE_S = 90.0
LEASE_S = 8


def _start(engine: Engine, folder: Path, crash_at: str | None) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CHANNELSYNC_", "CRASH_"))}
    env.update(
        CHANNELSYNC_DATABASE_URL=engine.url.render_as_string(hide_password=False),
        CHANNELSYNC_OUTBOX_LEASE_SECONDS=str(LEASE_S),
        CHANNELSYNC_PRM_WEBHOOK_TIMEOUT_SECONDS="3",
    )
    if crash_at:
        env["CRASH_AT"] = crash_at
    log = (folder / "deliver.log").open("wb")
    return subprocess.Popen(
        [sys.executable, str(CHILD), "prm", "deliver"],
        env=env,
        cwd=folder,
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def _output(folder: Path) -> str:
    return (folder / "deliver.log").read_text("utf-8", "replace")


def _events(session: Session) -> list[OutboxEvent]:
    session.expire_all()
    rows = list(session.exec(select(OutboxEvent).order_by(col(OutboxEvent.id))))
    session.commit()
    return rows


def _wait_for_lapse(session: Session) -> None:
    """Sleep until every lease of the killed drainer has lapsed."""
    leases = [e.leased_until for e in _events(session) if e.leased_until is not None]
    assert leases, "the killed drainer held no lease"
    wait = (max(leases) - utcnow()).total_seconds()
    assert wait < PATIENCE_S
    time.sleep(max(0.0, wait) + 0.2)


@pytest.mark.parametrize("kill", ["before the call", "during the call", "after the answer"])
def test_killed_drainer_events_are_delivered_once_the_lease_lapses(
    engine: Engine, session: Session, tmp_path: Path, kill: str
) -> None:
    gate = threading.Event()

    def answer(request: Received) -> Answer:
        # During the call: the partner is still working on the first request when the drainer
        # dies, and answers 503 when it is done (it did not take the event).
        if kill == "during the call" and not gate.is_set():
            return Answer(503, park=gate)
        return Answer(204)

    with running(Receiver(answer)) as receiver:
        partner = Partner(name="Alpha Resellers")
        session.add(partner)
        session.commit()
        assert partner.id is not None
        set_partner_webhook(
            partner.id,
            receiver.url(),
            SecretStr("whsec-0123456789abcdef"),
            session=session,
            actor=Actor.vendor("ops@vendor.example"),
        )
        for n in (1, 2):
            emit_event(
                session,
                "prm.webhook",
                "order",
                f"SO-{n}",
                {"event": "order.accepted", "order_number": f"SO-{n}"},
                partner_id=partner.id,
            )
        session.commit()
        ids = [str(e.id) for e in _events(session)]

        crash_at = {"before the call": "after:1", "after the answer": "commit:2"}.get(kill)
        proc = _start(engine, tmp_path, crash_at)
        try:
            if kill == "during the call":
                assert receiver.arrived.wait(PATIENCE_S), _output(tmp_path)
                os.kill(proc.pid, signal.SIGKILL)
            assert proc.wait(PATIENCE_S) == -signal.SIGKILL, _output(tmp_path)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            gate.set()
        seen_before = receiver.ids()
        assert (
            seen_before
            == {
                "before the call": [],
                "during the call": ids[:1],
                "after the answer": ids,
            }[kill]
        )
        rows = _events(session)
        assert {(e.status, e.attempts) for e in rows} == {("pending", 0)}  # nothing recorded

        # While the lease holds, another drainer leaves the events alone.
        early = drain(engine, PrmWebhookSender(engine))
        assert (early.batches, early.calls) == (0, 0)

        _wait_for_lapse(session)
        report = drain(engine, PrmWebhookSender(engine))
        assert (report.delivered, report.failed, report.lost) == (2, 0, 0)
        assert {(e.status, e.attempts, e.leased_by) for e in _events(session)} == {
            ("delivered", 1, None)
        }
        if kill == "after the answer":
            # Accepted twice under the same event id, with the same body: the receiver drops the repeat.
            assert dict(receiver.accepted) == {ids[0]: 2, ids[1]: 2}
            first, again = receiver.received[0], receiver.received[2]
            assert first.event_id == again.event_id and first.body == again.body
            assert json.loads(again.body)["id"] == ids[0]
        else:
            assert dict(receiver.accepted) == {ids[0]: 1, ids[1]: 1}
