"""Fixtures of the renewal tests: the orders' small channel and a subscription bought on an order."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pytest
from sqlmodel import Session, col, select

from order_core.fulfillment.services import accept_order
from order_core.licenses.models import License, Subscription
from order_core.orders.checkout import CartItem, place_order
from order_core.outbox import OutboxEvent
from order_core.settings import get_settings
from tests.order_core.orders.world import VENDOR, World, make_world


@pytest.fixture(autouse=True)
def _renewal_settings(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("CHANNELSYNC_PUBLIC_BASE_URL", "http://testserver")
    monkeypatch.setenv("CHANNELSYNC_RENEWAL_NOTICE_DAYS", "[90, 60, 30]")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture
def world(session: Session) -> World:
    """The channel, created on the parametrized backend."""
    return make_world(session)


@dataclass(frozen=True)
class Sub:
    """A subscription as bought (plain values: usable across the tests' transactions)."""

    id: int
    order_id: int
    license_id: int
    term_start: date
    term_end: date
    seats: int
    unit_price: Decimal
    resale_unit_price: Decimal
    currency: str


def subscribe(session: Session, world: World, seats: int = 10) -> Sub:
    """Partner A's buyer orders ``seats`` of SUB-1 (list 50, buy 40) for Acme; the vendor accepts."""
    buyer = world.actor(session, world.buyer2)
    order = place_order(
        session=session,
        actor=buyer,
        lines=[CartItem("SUB-1", seats)],
        payment_method="credit_line",
        end_customer_id=world.customer,
    )
    accept_order(order.number, session=session, actor=VENDOR)
    s = session.exec(select(Subscription).where(Subscription.order_id == order.id)).one()
    sub = Sub(
        s.id or 0, s.order_id, s.license_id or 0, s.term_start, s.term_end, s.seats,
        s.unit_price, s.resale_unit_price, s.currency,
    )  # fmt: skip
    session.commit()
    return sub


def fresh(session: Session, sub: Sub) -> Subscription:
    """The subscription as stored now."""
    session.expire_all()
    found = session.get(Subscription, sub.id)
    assert found is not None
    return found


def license_of(session: Session, sub: Sub) -> License:
    """The subscription's license as stored now."""
    session.expire_all()
    found = session.get(License, sub.license_id)
    assert found is not None
    return found


def mails(session: Session, kind: str) -> list[dict[str, object]]:
    """Payloads of the ``notify.email`` events of ``kind``, oldest first."""
    session.expire_all()
    rows = session.exec(
        select(OutboxEvent).where(OutboxEvent.topic == "notify.email").order_by(col(OutboxEvent.id))
    )
    return [e.data() for e in rows if e.data().get("kind") == kind]


def days_before(sub: Sub, days: int) -> date:
    """The day ``days`` before the subscription's end."""
    return date.fromordinal(sub.term_end.toordinal() - days)
