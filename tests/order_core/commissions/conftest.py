"""Fixtures of the commission tests: the orders' channel, a frozen invoice clock, invoiced orders."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from order_core.commissions.run import run_commissions
from order_core.fulfillment.services import accept_order, fulfill_order, refund_order
from order_core.invoices import services as invoice_services
from order_core.invoices.services import invoices_of_order, record_payment
from order_core.orders.checkout import CartItem, place_order
from order_core.orders.models import Order
from order_core.settings import get_settings
from tests.order_core.orders.world import VENDOR, World, make_world


@pytest.fixture
def world(session: Session) -> World:
    """The channel, created on the parametrized backend."""
    return make_world(session)


class Clock:
    """The invoices' clock (invoice dates, payments, credit notes), frozen on ``day``."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.day = date(2027, 3, 10)
        monkeypatch.setattr(invoice_services, "utcnow", self.now)

    def now(self) -> datetime:
        """Noon UTC of the frozen day."""
        return datetime(self.day.year, self.day.month, self.day.day, 12, tzinfo=UTC)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Iterator[Clock]:
    """A frozen invoice clock, starting on 2027-03-10."""
    yield Clock(monkeypatch)


@pytest.fixture
def cli_db(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The CLI on the test database."""
    monkeypatch.setenv("CHANNELSYNC_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def invoiced(session: Session, world: World, quantity: int, *, paid: bool = False) -> str:
    """An order of ``quantity`` HW-1 (buy 160.00 each) by partner A, invoiced (and paid): its number."""
    order = place_order(
        session=session,
        actor=world.actor(session, world.buyer2),
        lines=[CartItem("HW-1", quantity)],
        payment_method="credit_line",
        end_customer_id=world.customer,
    )
    number = order.number
    accept_order(number, session=session, actor=VENDOR)
    fulfill_order(number, session=session, actor=VENDOR)
    if paid:
        pay(session, number)
    return number


def pay(session: Session, number: str) -> None:
    """Pay the order's invoice in full."""
    order = session.exec(select(Order).where(Order.number == number)).one()
    invoice = invoices_of_order(session, order.id or 0)[0]
    record_payment(invoice.number, invoice.total, session=session, actor=VENDOR)


def refund(session: Session, number: str, amount: str) -> None:
    """Refund ``amount`` of the order (a credit note dated on the clock's day)."""
    refund_order(number, Decimal(amount), session=session, actor=VENDOR, note="returned")


def run(engine: Engine, session: Session, period: str) -> dict[str, object]:
    """The run's figures; the test's session ends its transaction first (SQLite's lock)."""
    session.commit()
    return run_commissions(engine, period).as_dict()
