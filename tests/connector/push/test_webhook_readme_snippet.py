"""The README's verification snippet, run as printed, accepts real deliveries and refuses forgeries and replays.

The receiver (an HTTP server on 127.0.0.1) verifies every request with the exact code block from
README.md: requests signed by the drainer pass; a wrong secret, a replayed request once its
timestamp is more than 5 minutes old, a changed body and a re-dated timestamp are refused.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from pydantic import SecretStr
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from connector.push.drain import drain
from connector.push.prm_webhook import PrmWebhookSender
from order_core.actors import Actor
from order_core.outbox import OutboxEvent, emit_event
from order_core.partners.models import Partner
from order_core.webhooks.endpoints import set_partner_webhook
from tests.connector.push.receiver import Answer, Received, Receiver, running

README = Path(__file__).resolve().parents[3] / "README.md"
MARKER = "<!-- prm-webhook-verify"
SECRET = b"whsec-partner-shared-0123456789"
ADMIN = Actor.vendor("ops@vendor.example")
Verify = Callable[..., bool]


def _snippet() -> str:
    """The fenced Python block right after the marker in README.md, as printed."""
    text = README.read_text(encoding="utf-8")
    assert MARKER in text, "README.md lost its verification snippet marker"
    match = re.search(r"```python\n(.*?)```", text.split(MARKER, 1)[1], flags=re.S)
    assert match is not None
    return match.group(1)


def _verify() -> Verify:
    namespace: dict[str, Any] = {}
    exec(compile(_snippet(), "README.md snippet", "exec"), namespace)  # the user's code, as printed
    verify: Verify = namespace["verify_channelsync_request"]
    return verify


class CheckingReceiver(Receiver):
    """A partner's endpoint: 204 when the README snippet accepts the request, else 401."""

    def __init__(self, verify: Verify) -> None:
        super().__init__(self._check)
        self.verify = verify
        self.clock_offset = 0.0  # seconds added to the receiver's clock (a replay "later")
        self.verdicts: list[bool] = []

    def _check(self, request: Received) -> Answer:
        ok = self.verify(
            SECRET,
            request.headers.get("x-channelsync-timestamp"),
            request.headers.get("x-channelsync-signature"),
            request.body,
            now=time.time() + self.clock_offset,
        )
        self.verdicts.append(ok)
        return Answer(204 if ok else 401)


def _partner_with_events(session: Session, url: str, secret: bytes) -> int:
    partner = Partner(name="Alpha Resellers")
    session.add(partner)
    session.commit()
    assert partner.id is not None
    set_partner_webhook(partner.id, url, SecretStr(secret.decode()), session=session, actor=ADMIN)
    for n in (1, 2):
        emit_event(
            session,
            "prm.webhook",
            "order",
            f"SO-{n}",
            {"event": "order.paid", "order_number": f"SO-{n}", "net_total": "1250.00"},
            partner_id=partner.id,
        )
    session.commit()
    return partner.id


def _replay(
    receiver: Receiver, request: Received, *, body: bytes | None = None, **headers: str
) -> int:
    sent = {k: v for k, v in request.headers.items() if k.startswith("x-channelsync-")}
    sent.update({k.replace("_", "-"): v for k, v in headers.items()})
    sent["content-type"] = "application/json"
    answer = httpx.post(
        receiver.url(request.path), content=request.body if body is None else body, headers=sent
    )
    return answer.status_code


def test_real_deliveries_pass_and_forgeries_replays_and_changes_are_refused(
    engine: Engine, session: Session
) -> None:
    verify = _verify()
    with running(CheckingReceiver(verify)) as receiver:
        assert isinstance(receiver, CheckingReceiver)
        _partner_with_events(session, receiver.url("/in"), SECRET)
        report = drain(engine, PrmWebhookSender(engine))
        assert report.delivered == 2 and receiver.verdicts == [True, True]
        good = receiver.received[0]
        stamp = good.headers["x-channelsync-timestamp"]

        # A changed body with the original headers.
        changed = good.body.replace(b'"1250.00"', b'"1.00"')
        assert changed != good.body
        assert _replay(receiver, good, body=changed) == 401
        # The same request re-dated to now: the signature covers the timestamp.
        assert _replay(receiver, good, x_channelsync_timestamp=str(int(stamp) + 1)) == 401
        # The untouched request replayed more than 5 minutes later.
        assert _replay(receiver, good) == 204  # still fresh: accepted (drop repeats by event id)
        receiver.clock_offset = 301
        assert _replay(receiver, good) == 401
        receiver.clock_offset = 0

    # A sender holding the wrong secret: refused by the receiver, the events become dead letters.
    with running(CheckingReceiver(verify)) as receiver:
        assert isinstance(receiver, CheckingReceiver)
        _partner_with_events(session, receiver.url("/in"), b"whsec-not-the-shared-secret-000")
        report = drain(engine, PrmWebhookSender(engine))
        assert report.dead_lettered == 2 and receiver.verdicts == [False, False]
        wrong = receiver.received[0]
        # ...and the snippet refuses it directly too, while accepting a correctly signed copy.
        assert not verify(
            SECRET,
            wrong.headers["x-channelsync-timestamp"],
            wrong.headers["x-channelsync-signature"],
            wrong.body,
        )
    session.expire_all()
    dead = session.exec(select(OutboxEvent).where(OutboxEvent.status == "dead")).all()
    assert len(dead) == 2 and all(e.last_error and "HTTP 401" in e.last_error for e in dead)
    assert json.loads(wrong.body)["type"] == "order.paid"


def test_the_snippet_refuses_missing_or_malformed_headers() -> None:
    verify = _verify()
    assert not verify(SECRET, None, "v1=00", b"{}")
    assert not verify(SECRET, "yesterday", "v1=00", b"{}")
    assert not verify(SECRET, "1700000000", None, b"{}", now=1700000000)
