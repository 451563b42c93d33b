"""Order notifications go out by SMTP to buyer, approvers and (when asked) the end customer."""

from __future__ import annotations

import smtplib
from typing import Any

import pytest
from sqlmodel import Session, col, select

from order_core.notifications.delivery import deliver_pending_notifications
from order_core.orders.approvals import approve_order
from order_core.orders.checkout import CartItem, place_order
from order_core.outbox import OutboxEvent, emit_event
from order_core.settings import CoreSettings
from order_core.types import utcnow
from tests.order_core.orders.world import World
from tests.smtp_sink import Sink, free_port, html_part, text_part


def test_buyer_approvers_and_end_customer_are_mailed(
    session: Session, world: World, smtp: tuple[Sink, CoreSettings]
) -> None:
    sink, settings = smtp
    buyer = world.actor(session, world.buyer)
    order = place_order(
        session=session,
        actor=buyer,
        lines=[CartItem("HW-1", 40)],
        payment_method="credit_line",
        end_customer_id=world.customer,
        notify_end_customer=True,
        po_number="PO-5",
    )
    report = deliver_pending_notifications(session, settings)
    assert (report.sent, report.failed) == (1, 0)
    (pending,) = sink.messages
    assert pending.rcpt == [
        "buyer@alpha.example",
        "approver@alpha.example",
        "admin@alpha.example",
        "it@acme.example",
    ]
    assert pending.message["Subject"] == f"Order {order.number} is pending approval"
    assert pending.sender == "orders@vendor.example"
    body = text_part(pending.message)
    assert "PO PO-5" in body and "6400.00 USD" in body
    assert "PO PO-5" in html_part(pending.message)
    approve_order(order.number, session=session, actor=world.actor(session, world.approver))
    assert deliver_pending_notifications(session, settings).sent == 1
    submitted = sink.messages[-1]
    assert submitted.message["Subject"] == f"Order {order.number} is submitted"
    assert submitted.rcpt == ["buyer@alpha.example", "approver@alpha.example", "it@acme.example"]
    assert deliver_pending_notifications(session, settings).sent == 0  # nothing sent twice
    statuses = {
        e.status
        for e in session.exec(select(OutboxEvent).where(OutboxEvent.topic == "notify.email"))
    }
    assert statuses == {"delivered"}


def test_unreachable_server_keeps_events_for_retry(session: Session, world: World) -> None:
    from pydantic import SecretStr

    buyer = world.actor(session, world.buyer2)
    place_order(
        session=session, actor=buyer, lines=[CartItem("HW-1", 1)], payment_method="credit_line"
    )
    down = CoreSettings(
        smtp_host="127.0.0.1",
        smtp_port=free_port(),
        smtp_username="mailer",
        smtp_password=SecretStr("hunter2-secret"),
    )
    report = deliver_pending_notifications(session, down)
    assert (report.sent, report.failed) == (0, 1)
    events = session.exec(
        select(OutboxEvent).where(OutboxEvent.topic == "notify.email").order_by(col(OutboxEvent.id))
    ).all()
    assert {(e.status, e.attempts) for e in events} == {("pending", 1)}
    assert all(
        "unreachable" in (e.last_error or "") and "hunter2" not in (e.last_error or "")
        for e in events
    )


def test_a_connection_lost_midway_sends_nobody_a_message_twice(
    session: Session, world: World, smtp: tuple[Sink, CoreSettings], monkeypatch: pytest.MonkeyPatch
) -> None:
    sink, settings = smtp
    buyer = world.actor(session, world.buyer2)
    for _ in range(3):
        place_order(
            session=session, actor=buyer, lines=[CartItem("HW-1", 1)], payment_method="credit_line"
        )
    real_send = smtplib.SMTP.send_message
    calls: list[int] = []

    def drops_on_the_second(self: smtplib.SMTP, *args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        if len(calls) == 2:
            raise ConnectionResetError("peer reset the connection")
        return real_send(self, *args, **kwargs)

    monkeypatch.setattr(smtplib.SMTP, "send_message", drops_on_the_second)
    report = deliver_pending_notifications(session, settings)
    assert (report.sent, report.failed) == (1, 2)
    events = session.exec(
        select(OutboxEvent).where(OutboxEvent.topic == "notify.email").order_by(col(OutboxEvent.id))
    ).all()
    assert [(e.status, e.attempts) for e in events] == [
        ("delivered", 1),
        ("pending", 1),
        ("pending", 1),
    ]
    assert events[1].last_error == "SMTP connection lost: ConnectionResetError"
    monkeypatch.setattr(smtplib.SMTP, "send_message", real_send)
    for event in events[1:]:  # the backoff has passed
        event.next_attempt_at = utcnow()
        session.add(event)
    session.commit()
    later = deliver_pending_notifications(session, settings)
    assert (later.sent, later.failed) == (2, 0)
    numbers = [m.message["Subject"] for m in sink.messages]
    assert len(numbers) == len(set(numbers)) == 3  # each order's message exactly once


def test_an_email_queued_before_templates_still_goes_out_as_written(
    session: Session, smtp: tuple[Sink, CoreSettings]
) -> None:
    sink, settings = smtp
    emit_event(
        session, "notify.email", "order", "SO-1",
        {"to": ["a@b.example"], "subject": "Order SO-1 is paid", "body": "Paid <in full>.\n"},
    )  # fmt: skip
    session.commit()
    assert deliver_pending_notifications(session, settings).sent == 1
    (mail,) = sink.messages
    assert mail.message["Subject"] == "Order SO-1 is paid"
    assert text_part(mail.message).strip() == "Paid <in full>."
    assert "Paid &lt;in full&gt;." in html_part(mail.message)
