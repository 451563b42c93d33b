"""PRM webhooks over the wire: signed JSON to each partner's endpoint, and what every kind of answer leads to."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from datetime import timedelta

import pytest
from pydantic import SecretStr
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from connector.push.drain import drain
from connector.push.prm_webhook import PrmWebhookSender, retry_after_seconds
from order_core.actors import Actor
from order_core.orders.checkout import CartItem, place_order
from order_core.outbox import OutboxEvent, emit_event
from order_core.types import utcnow
from order_core.webhooks.endpoints import set_partner_webhook
from tests.connector.push.receiver import Answer, Receiver, running
from tests.order_core.orders.world import World, make_world

ADMIN = Actor.vendor("ops@vendor.example")
SECRET = "whsec-alpha-0123456789abcdef"


@pytest.fixture
def world(session: Session) -> World:
    """The order tests' small channel, on the parametrized backend."""
    return make_world(session)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """A receiver answering 204 unless a test changes ``answer``."""
    with running(Receiver()) as r:
        yield r


def _hook(session: Session, partner: int, receiver: Receiver, secret: str = SECRET) -> None:
    set_partner_webhook(
        partner, receiver.url(f"/p{partner}"), SecretStr(secret), session=session, actor=ADMIN
    )


def _events(session: Session) -> list[OutboxEvent]:
    session.expire_all()
    rows = session.exec(
        select(OutboxEvent).where(OutboxEvent.topic == "prm.webhook").order_by(col(OutboxEvent.id))
    ).all()
    session.commit()
    return list(rows)


def _emit(session: Session, partner: int, n: int = 1) -> list[int]:
    events = [
        emit_event(
            session,
            "prm.webhook",
            "order",
            f"SO-{partner}-{i}",
            {"event": "order.accepted", "order_number": f"SO-{partner}-{i}", "net_total": "10.00"},
            partner_id=partner,
        )
        for i in range(n)
    ]
    session.commit()
    return [e.id for e in events if e.id is not None]


def test_signed_json_reaches_the_partner_and_partners_without_endpoint_are_skipped(
    engine: Engine, session: Session, world: World, receiver: Receiver
) -> None:
    _hook(session, world.partner_a, receiver)
    buyer = world.actor(session, world.buyer)
    order = place_order(
        session=session,
        actor=buyer,
        lines=[CartItem("HW-1", 1)],
        payment_method="credit_line",
        end_customer_id=world.customer,
    )
    other = _emit(session, world.partner_b)
    report = drain(engine, PrmWebhookSender(engine))
    assert (report.delivered, report.skipped, report.calls, report.failed) == (2, 1, 2, 0)
    by_type = {json.loads(r.body)["type"]: r for r in receiver.received}
    assert set(by_type) == {"customer.associated", "order.submitted"}
    request = by_type["order.submitted"]
    assert request.path == f"/p{world.partner_a}"
    document = json.loads(request.body)
    assert document["data"]["order_number"] == order.number
    assert (
        document["data"]["net_total"] == str(order.net_total) == "160.00"
        and document["partner_id"] == world.partner_a
    )
    assert request.headers["content-type"] == "application/json"
    assert request.headers["x-channelsync-event-type"] == "order.submitted"
    assert request.event_id == document["id"]
    # The signature is HMAC-SHA256 over "<timestamp>.<raw body>" with the partner's secret.
    stamp = request.headers["x-channelsync-timestamp"]
    mac = hmac.new(SECRET.encode(), stamp.encode() + b"." + request.body, hashlib.sha256)
    assert request.headers["x-channelsync-signature"] == f"v1={mac.hexdigest()}"
    assert abs(int(stamp) - utcnow().timestamp()) < 300
    rows = {e.id: e for e in _events(session)}
    assert rows[other[0]].status == "skipped"
    assert rows[other[0]].last_error == f"partner {world.partner_b} has no PRM webhook endpoint"
    assert sorted(e.status for e in rows.values()) == ["delivered", "delivered", "skipped"]
    assert drain(engine, PrmWebhookSender(engine)).calls == 0  # nothing sent twice


@pytest.mark.parametrize(
    ("answer", "status", "error_start"),
    [
        (Answer(200), "delivered", None),
        (Answer(429, {"Retry-After": "120"}), "pending", "HTTP 429 from 127.0.0.1:"),
        (Answer(503, body=b"maintenance"), "pending", "HTTP 503 from 127.0.0.1:"),
        (Answer(408), "pending", "HTTP 408 from"),
        (Answer(reset=True), "pending", None),
        (Answer(sleep_s=3.0), "pending", "no answer from 127.0.0.1:"),
        (Answer(422, body=b'{"error": "unknown order"}'), "dead", "HTTP 422 from"),
        (Answer(301, {"Location": "https://elsewhere"}), "dead", "HTTP 301 from"),
    ],
)
def test_each_answer_leads_to_delivery_retry_or_dead_letter(
    engine: Engine,
    session: Session,
    world: World,
    receiver: Receiver,
    answer: Answer,
    status: str,
    error_start: str | None,
) -> None:
    receiver.answer = lambda _r: answer
    _hook(session, world.partner_a, receiver)
    (event_id,) = _emit(session, world.partner_a)
    before = utcnow()
    report = drain(engine, PrmWebhookSender(engine, timeout=1.0))
    (row,) = _events(session)
    assert (row.id, row.status, row.attempts) == (event_id, status, 1)
    assert report.failed == (0 if status == "delivered" else 1)
    if error_start:
        assert row.last_error is not None and row.last_error.startswith(error_start)
    if answer.reset:
        assert row.last_error is not None and "talking to 127.0.0.1:" in row.last_error
    if answer.status == 429:
        assert row.next_attempt_at >= before + timedelta(seconds=120)  # Retry-After honoured
    if answer.status == 422:
        assert row.last_error and row.last_error.endswith(': {"error": "unknown order"}')
    if answer.status == 301:
        assert row.last_error and "redirects are not followed" in row.last_error
        assert len(receiver.received) == 1  # not followed


def test_a_failing_endpoint_holds_back_its_other_events_only(
    engine: Engine, session: Session, world: World, receiver: Receiver
) -> None:
    a_path = f"/p{world.partner_a}"
    receiver.answer = lambda r: Answer(503) if r.path == a_path else Answer(204)
    _hook(session, world.partner_a, receiver)
    _hook(session, world.partner_b, receiver)
    a1, a2 = _emit(session, world.partner_a, 2)
    (b1,) = _emit(session, world.partner_b)
    report = drain(engine, PrmWebhookSender(engine))
    assert (report.delivered, report.retried, report.calls) == (1, 2, 2)
    assert [r.path for r in receiver.received] == [a_path, f"/p{world.partner_b}"]
    rows = {e.id: e for e in _events(session)}
    assert rows[b1].status == "delivered"
    assert rows[a2].last_error == f"not sent after an earlier failure: {rows[a1].last_error}"


def test_the_secret_never_shows_in_errors(
    engine: Engine, session: Session, world: World, receiver: Receiver
) -> None:
    # A hostile or buggy endpoint that echoes the secret back in its error text.
    receiver.answer = lambda _r: Answer(400, body=f"bad signature for {SECRET}".encode())
    _hook(session, world.partner_a, receiver)
    _emit(session, world.partner_a)
    report = drain(engine, PrmWebhookSender(engine))
    (row,) = _events(session)
    assert row.status == "dead" and row.last_error is not None
    assert SECRET not in row.last_error and "bad signature for ***" in row.last_error
    assert SECRET not in repr(report)


def test_retry_after_as_seconds_or_http_date() -> None:
    now = utcnow()
    assert retry_after_seconds("30") == 30.0
    assert retry_after_seconds("9999999") == 86400.0
    date = (now + timedelta(seconds=90)).strftime("%a, %d %b %Y %H:%M:%S GMT")
    seconds = retry_after_seconds(date, now)
    assert seconds is not None and 88 <= seconds <= 90
    assert retry_after_seconds("soon") is None and retry_after_seconds(None) is None


def test_a_slow_receiver_does_not_lose_the_answer(
    engine: Engine, session: Session, world: World, receiver: Receiver
) -> None:
    gate = threading.Event()
    receiver.answer = lambda _r: Answer(204, park=gate)
    _hook(session, world.partner_a, receiver)
    _emit(session, world.partner_a)
    threading.Timer(0.2, gate.set).start()
    report = drain(engine, PrmWebhookSender(engine, timeout=30))
    assert report.delivered == 1 and receiver.accepted[receiver.ids()[0]] == 1
