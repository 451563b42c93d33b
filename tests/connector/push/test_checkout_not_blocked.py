"""A checkout is not blocked while the drainer waits on a slow PRM (on SQLite every transaction holds the write lock).

The receiver parks the drainer's request until the test lets it go, and the test lets it go only
after a checkout has committed: if the drainer held a transaction across the call, the checkout
would wait for the lock that the parked request holds, and the order below could not happen.
"""

from __future__ import annotations

import threading

import pytest
from pydantic import SecretStr
from sqlalchemy.engine import Engine
from sqlmodel import Session

from connector.push.drain import DrainReport, drain
from connector.push.prm_webhook import PrmWebhookSender
from order_core.actors import Actor
from order_core.db import new_session
from order_core.orders.checkout import CartItem, place_order
from order_core.webhooks.endpoints import set_partner_webhook
from tests.connector.push.receiver import Answer, Received, Receiver, running
from tests.order_core.orders.world import make_world

#: How long the test waits for the drainer's request to arrive (never reached when all is well).
PATIENCE_S = 60.0


def test_checkout_commits_while_the_drainer_waits_on_a_slow_receiver(
    engine: Engine, session: Session
) -> None:
    world = make_world(session)
    steps: list[str] = []
    gate = threading.Event()

    def slow(_request: Received) -> Answer:
        if gate.is_set():
            return Answer(204)  # later requests: answered at once
        steps.append("receiver holds the request")
        return Answer(204, park=gate)

    with running(Receiver(slow)) as receiver:
        set_partner_webhook(
            world.partner_a,
            receiver.url(),
            SecretStr("whsec-0123456789abcdef"),
            session=session,
            actor=Actor.vendor("ops@vendor.example"),
        )
        buyer = world.actor(session, world.buyer2)
        place_order(
            session=session, actor=buyer, lines=[CartItem("HW-1", 1)], payment_method="credit_line"
        )
        reports: list[DrainReport] = []
        drainer = threading.Thread(
            target=lambda: reports.append(drain(engine, PrmWebhookSender(engine, timeout=120)))
        )
        drainer.start()
        try:
            assert receiver.arrived.wait(PATIENCE_S), "the drainer never called the receiver"
            with new_session(engine) as checkout:
                order = place_order(
                    session=checkout,
                    actor=world.actor(checkout, world.buyer2),
                    lines=[CartItem("LIC-1", 2)],
                    payment_method="credit_line",
                )
            steps.append(f"checkout of {order.number} committed")
            assert not gate.is_set() and not receiver.parked_done.is_set()
            steps.append("receiver answers")
        finally:
            gate.set()
            drainer.join(PATIENCE_S)
        assert not drainer.is_alive()
    assert steps == [
        "receiver holds the request",
        "checkout of SO-000002 committed",
        "receiver answers",
    ]
    # Both orders' webhooks were delivered: the one that waited, then the new order's.
    assert (reports[0].delivered, reports[0].failed) == (2, 0)


@pytest.fixture(autouse=True)
def _long_lease(monkeypatch: pytest.MonkeyPatch) -> None:
    """A lease far longer than the parked request may take (the default would do too)."""
    monkeypatch.setenv("CHANNELSYNC_OUTBOX_LEASE_SECONDS", "600")
