"""E-mail delivery holds no database transaction during the SMTP conversation (leases, then outcomes)."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from order_core.db import new_session
from order_core.notifications.delivery import deliver_pending_notifications
from order_core.orders.checkout import CartItem, place_order
from order_core.outbox import OutboxEvent
from order_core.settings import CoreSettings
from tests.order_core.orders.world import World


@dataclass
class CheckoutDuringData:
    """An SMTP sink that, while a message is being handed over, places an order on the same database."""

    engine: Engine
    world: World
    placed: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    async def handle_DATA(self, server: object, session: object, envelope: Any) -> str:
        # The drainer is waiting for this answer right now. If it held a transaction, this
        # checkout would wait for the SQLite write lock until the busy timeout and fail.
        try:
            with new_session(self.engine) as s:
                order = place_order(
                    session=s,
                    actor=self.world.actor(s, self.world.buyer2),
                    lines=[CartItem("HW-1", 1)],
                    payment_method="credit_line",
                )
                self.placed.append(order.number)
        except Exception as exc:  # recorded for the assertion below
            self.errors.append(f"{type(exc).__name__}: {exc}")
        return "250 OK"


@pytest.fixture
def sink(engine: Engine, world: World) -> Iterator[tuple[CheckoutDuringData, CoreSettings]]:
    handler = CheckoutDuringData(engine, world)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield handler, CoreSettings(smtp_host="127.0.0.1", smtp_port=port)
    finally:
        controller.stop()


def test_a_checkout_commits_while_a_message_is_being_sent(
    session: Session, world: World, sink: tuple[CheckoutDuringData, CoreSettings]
) -> None:
    handler, settings = sink
    place_order(
        session=session,
        actor=world.actor(session, world.buyer2),
        lines=[CartItem("HW-1", 2)],
        payment_method="credit_line",
    )
    report = deliver_pending_notifications(session, settings)
    assert (report.sent, report.failed, handler.errors) == (1, 0, [])
    assert len(handler.placed) == 1  # committed mid-conversation
    mails = session.exec(
        select(OutboxEvent).where(OutboxEvent.topic == "notify.email").order_by(col(OutboxEvent.id))
    ).all()
    # The first order's message was delivered; the order placed meanwhile waits for the next run.
    assert [(m.status, m.leased_by) for m in mails] == [("delivered", None), ("pending", None)]
