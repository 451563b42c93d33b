"""Self-renewal through the notice link (frozen clock), co-terming with proration, partner isolation."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from order_core.errors import ConflictError, NotFoundError
from order_core.fulfillment.services import accept_order, cancel_order
from order_core.licenses.keys import verify_license_key
from order_core.licenses.models import Subscription, SubscriptionTerm
from order_core.licenses.services import add_months
from order_core.notifications.render import render_notification
from order_core.orders.cart import order_lines
from order_core.orders.models import Order
from order_core.renewals import self_renew
from order_core.renewals.models import Renewal
from order_core.renewals.run import run_renewals
from order_core.renewals.self_renew import customer_renewal, renew_by_link
from order_core.renewals.terms import add_seats, due_renewals, load_subscription
from order_core.settings import get_settings
from tests.order_core.orders.world import VENDOR, World
from tests.order_core.renewals.conftest import Sub, days_before, fresh, license_of, mails, subscribe

LINK = VENDOR.system("customer-link")


@pytest.fixture
def frozen(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[date]]:
    """The renewal service's clock, frozen on the day the test sets (``frozen[0]``)."""
    day = [date(2000, 1, 1)]
    monkeypatch.setattr(
        self_renew, "utcnow", lambda: datetime(day[0].year, day[0].month, day[0].day, 9, tzinfo=UTC)
    )
    yield day


def _notice(engine: Engine, session: Session, sub: Sub, days: int) -> tuple[str, str]:
    """Run the renewals ``days`` before the end; the reference and token of the customer's link."""
    session.commit()
    run_renewals(engine, days_before(sub, days))
    text = render_notification(mails(session, "renewal_notice")[-1]).text
    found = re.search(r"/renewals/([^?]+)\?token=(\S+)", text)
    assert found is not None
    return found[1], found[2]


def test_the_customer_renews_through_the_link_once(
    engine: Engine, session: Session, world: World, frozen: list[date]
) -> None:
    sub = subscribe(session, world)
    old_reference, old_token = _notice(engine, session, sub, 60)
    reference, token = _notice(engine, session, sub, 30)
    assert reference == old_reference and token != old_token
    frozen[0] = days_before(sub, 20)
    view = customer_renewal(reference, old_token, session=session, actor=LINK)  # older link works
    assert (view.state, view.current_term_ends, view.new_term_ends) == ("open", sub.term_end, add_months(sub.term_end, 12))  # fmt: skip
    assert (
        view.document.total == Decimal("500.00") and view.subscription == "Cloud Backup (10 seats)"
    )
    with pytest.raises(NotFoundError, match="link is not valid"):
        customer_renewal(reference, token[:-2] + "xx", session=session, actor=LINK)
    with pytest.raises(NotFoundError, match="link is not valid"):
        customer_renewal(f"RN-{sub.id + 1}-20990101", token, session=session, actor=LINK)
    done = renew_by_link(
        reference, token, name="Rita", email="rita@acme.example", po_number="PO-R1",
        session=session, actor=LINK,
    )  # fmt: skip
    assert done.state == "renewed" and "already renewed" in done.message
    with pytest.raises(ConflictError, match=r"already renewed on .* by Rita"):
        renew_by_link(reference, token, name="Rita", email="rita@acme.example", po_number=None, session=session, actor=LINK)  # fmt: skip
    session.expire_all()
    renewal = session.exec(select(Renewal)).one()
    order = session.get(Order, renewal.order_id)
    assert order is not None
    assert (order.partner_id, order.status, order.po_number) == (
        world.partner_a,
        "submitted",
        "PO-R1",
    )
    assert order.buyer_id == world.buyer2 and order.net_total == Decimal("400.00")  # at buy price
    now = fresh(session, sub)
    assert (now.term_start, now.term_end, now.renewed_order_id) == (sub.term_end, renewal.new_term_end, order.id)  # fmt: skip
    claims = verify_license_key(license_of(session, sub).key, get_settings().license_signing_key)
    assert claims.expires_on == renewal.new_term_end
    # The vendor accepts the renewal order: the subscription goes on, no second one is made.
    accept_order(order.number, session=session, actor=VENDOR)
    assert len(session.exec(select(Subscription)).all()) == 1


def test_a_lapsed_renewal_cannot_be_renewed(
    engine: Engine, session: Session, world: World, frozen: list[date]
) -> None:
    sub = subscribe(session, world)
    reference, token = _notice(engine, session, sub, 30)
    frozen[0] = days_before(sub, -1)
    view = customer_renewal(reference, token, session=session, actor=LINK)
    assert view.state == "closed" and "ended on" in view.message
    with pytest.raises(ConflictError, match="without renewal"):
        renew_by_link(reference, token, name="Rita", email="rita@acme.example", po_number=None, session=session, actor=LINK)  # fmt: skip


def test_seats_added_mid_term_co_term_and_are_prorated_by_day(
    session: Session, world: World
) -> None:
    sub = subscribe(session, world, seats=10)
    on = date.fromordinal(sub.term_start.toordinal() + 100)
    days_total = (sub.term_end - sub.term_start).days
    days_left = days_total - 100
    buyer = world.actor(session, world.buyer2)
    order = add_seats(sub.id, 4, on=on, session=session, actor=buyer)
    # 40.00 a seat for the year; by hand: 40 * 265 / 365 = 29.0410.. -> 29.04 (366 days: 29.07)
    unit = {365: Decimal("29.04"), 366: Decimal("29.07")}[days_total]
    assert days_left in (265, 266)
    line = order_lines(session, order.id or 0)[0]
    assert (line.quantity, line.unit_net, line.line_total) == (4, unit, unit * 4)
    now = fresh(session, sub)
    assert (now.seats, now.term_end) == (14, sub.term_end)  # co-termed
    lic = license_of(session, sub)
    assert (lic.seats, lic.term_end) == (14, sub.term_end)
    term = session.exec(select(SubscriptionTerm)).one()
    assert (term.kind, term.seats, term.term_start, term.term_end) == (
        "add_seats",
        4,
        on,
        sub.term_end,
    )
    accept_order(order.number, session=session, actor=VENDOR)
    assert len(session.exec(select(Subscription)).all()) == 1


def test_a_partner_never_sees_another_partners_subscriptions(
    engine: Engine, session: Session, world: World
) -> None:
    sub = subscribe(session, world)
    other = world.actor(session, world.buyer_b)
    with pytest.raises(NotFoundError, match=f"subscription {sub.id} not found"):
        load_subscription(session, other, sub.id)
    with pytest.raises(NotFoundError):
        due_renewals(session=session, actor=other, partner_id=world.partner_a, within_days=400, today=sub.term_start)  # fmt: skip
    own = due_renewals(session=session, actor=other, partner_id=None, within_days=400, today=sub.term_start)  # fmt: skip
    assert own == []
    mine = world.actor(session, world.buyer2)
    due = due_renewals(session=session, actor=mine, partner_id=None, within_days=400, today=sub.term_start)  # fmt: skip
    assert [d.subscription_id for d in due] == [sub.id]


def test_a_cancelled_subscription_closes_its_renewal(
    engine: Engine, session: Session, world: World, frozen: list[date]
) -> None:
    sub = subscribe(session, world)
    reference, token = _notice(engine, session, sub, 30)
    row = session.get(Subscription, sub.id)
    assert row is not None
    row.status = "cancelled"
    session.add(row)
    session.commit()
    run_renewals(engine, days_before(sub, 29))
    session.expire_all()
    assert session.exec(select(Renewal)).one().state == "cancelled"
    frozen[0] = days_before(sub, 29)
    view = customer_renewal(reference, token, session=session, actor=LINK)
    assert view.state == "closed" and "cancelled" in view.message


def test_cancelling_the_renewal_order_ends_the_subscription_as_before(
    engine: Engine, session: Session, world: World, frozen: list[date]
) -> None:
    sub = subscribe(session, world)
    reference, token = _notice(engine, session, sub, 30)
    frozen[0] = days_before(sub, 30)
    renew_by_link(reference, token, name="Rita", email="rita@acme.example", po_number=None, session=session, actor=LINK)  # fmt: skip
    renewal = session.exec(select(Renewal)).one()
    order = session.get(Order, renewal.order_id)
    assert order is not None
    cancel_order(order.number, session=session, actor=world.actor(session, world.buyer2), note="not wanted")  # fmt: skip
    now = fresh(session, sub)
    assert (now.term_start, now.term_end, now.status) == (sub.term_start, sub.term_end, "active")
    claims = verify_license_key(license_of(session, sub).key, get_settings().license_signing_key)
    assert claims.expires_on == sub.term_end
    view = customer_renewal(reference, token, session=session, actor=LINK)
    assert view.state == "closed" and "renewal order was cancelled" in view.message
