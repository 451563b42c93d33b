"""The renewal run with frozen dates: notice windows, idempotent and catch-up runs, pricing methods, lapse."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from order_core.catalog.models import AuthorizationRule, ListPrice
from order_core.licenses.keys import verify_license_key
from order_core.licenses.services import add_months
from order_core.notifications.render import render_notification
from order_core.partners.models import Buyer
from order_core.renewals.models import Renewal, RenewalNotice
from order_core.renewals.run import run_renewals
from order_core.renewals.terms import set_renewal_terms
from order_core.settings import get_settings
from tests.order_core.orders.world import VENDOR, World
from tests.order_core.renewals.conftest import days_before, fresh, license_of, mails, subscribe


def run(engine: Engine, session: Session, day: date) -> dict[str, object]:
    """The run's figures for ``day``; the test's session ends its transaction first (SQLite's lock)."""
    session.commit()
    return run_renewals(engine, day).as_dict()


def _figures(report: dict[str, object]) -> tuple[object, ...]:
    return tuple(report[k] for k in ("renewals_created", "notices_sent", "lapsed", "auto_renewed"))


def test_notice_windows_same_day_twice_and_a_skipped_day(
    engine: Engine, session: Session, world: World
) -> None:
    sub = subscribe(session, world)
    assert (sub.unit_price, sub.resale_unit_price, sub.currency) == (Decimal("40.00"), Decimal("50.00"), "USD")  # fmt: skip
    assert _figures(run(engine, session, days_before(sub, 91))) == (0, 0, 0, 0)
    first = run(engine, session, days_before(sub, 90))
    assert _figures(first) == (1, 1, 0, 0) and first["as_of"] == days_before(sub, 90).isoformat()
    assert _figures(run(engine, session, days_before(sub, 90))) == (0, 0, 0, 0)
    assert _figures(run(engine, session, days_before(sub, 75))) == (0, 0, 0, 0)
    # The 60-day run was skipped: the 31-day run sends the 60-day notice it missed, the 30-day one the last.
    assert _figures(run(engine, session, days_before(sub, 31))) == (0, 1, 0, 0)
    assert _figures(run(engine, session, days_before(sub, 10))) == (0, 1, 0, 0)
    assert _figures(run(engine, session, days_before(sub, 10))) == (0, 0, 0, 0)
    session.expire_all()
    renewal = session.exec(select(Renewal)).one()
    notices = session.exec(select(RenewalNotice).order_by(RenewalNotice.days)).all()  # type: ignore[arg-type]
    assert [n.days for n in notices] == [30, 60, 90] and renewal.last_notice_days == 30
    assert renewal.reference == f"RN-{sub.id}-{sub.term_end:%Y%m%d}"
    assert len({n.token_hash for n in notices}) == 3  # a link per notice, kept only as HMACs
    customer, reseller = mails(session, "renewal_notice"), mails(session, "renewal_digest")
    assert [m["days"] for m in customer] == [90, 60, 30] and customer[0]["to"] == [
        "it@acme.example"
    ]
    assert [m["to"] for m in reseller] == [["buyer2@alpha.example"]] * 3  # a digest per run
    text = render_notification(customer[0]).text
    assert f"http://testserver/renewals/{renewal.reference}?token=" in text
    assert "$500.00" in text and "40.00" not in text  # the customer sees resale prices only
    assert "token" not in str(customer[0]).replace("sealed_token", "")
    mail = render_notification(reseller[0]).text
    assert f"Renewal {renewal.reference}: Acme Corp, 10 x Cloud Backup" in mail
    assert "your buy price $40.00 a seat, $400.00; your margin $100.00" in mail


@pytest.mark.parametrize(
    ("method", "uplift", "buy", "resale"),
    [
        ("same", None, "40.00", "50.00"),
        ("uplift", Decimal("7.5"), "43.00", "53.75"),  # 40 * 1.075, 50 * 1.075
        ("list", None, "48.00", "60.00"),  # today's list 60, 20 % program discount
    ],
)
def test_each_pricing_method(
    engine: Engine,
    session: Session,
    world: World,
    method: str,
    uplift: Decimal | None,
    buy: str,
    resale: str,
) -> None:
    sub = subscribe(session, world, seats=3)
    set_renewal_terms(
        sub.id, pricing_method=method, uplift_percent=uplift, session=session, actor=VENDOR
    )
    price = session.exec(
        select(ListPrice).where(
            ListPrice.product_id == world.products["SUB-1"], ListPrice.currency == "USD"
        )
    ).one()
    price.amount = Decimal("60")
    session.add(price)
    session.commit()
    run(engine, session, days_before(sub, 60))
    session.expire_all()
    renewal = session.exec(select(Renewal)).one()
    assert (renewal.method, renewal.unit_buy, renewal.unit_resale) == (method, Decimal(buy), Decimal(resale))  # fmt: skip
    assert renewal.buy_total == Decimal(buy) * 3 and renewal.resale_total == Decimal(resale) * 3
    assert renewal.new_term_end == add_months(sub.term_end, 12)


def test_a_subscription_past_its_end_lapses_and_its_license_expires(
    engine: Engine, session: Session, world: World
) -> None:
    sub = subscribe(session, world)
    run(engine, session, days_before(sub, 30))
    end = sub.term_end
    assert _figures(run(engine, session, end)) == (0, 0, 0, 0)  # the last day is still open
    after = days_before(sub, -1)
    report = run(engine, session, after)
    assert _figures(report) == (0, 0, 1, 0) and report["licenses_expired"] == 1
    assert fresh(session, sub).status == "expired" and license_of(session, sub).status == "expired"
    assert session.exec(select(Renewal)).one().state == "lapsed"
    assert _figures(run(engine, session, after)) == (0, 0, 0, 0)


def test_auto_renew_renews_at_the_end_instead_of_lapsing(
    engine: Engine, session: Session, world: World
) -> None:
    sub = subscribe(session, world)
    set_renewal_terms(sub.id, auto_renew=True, session=session, actor=VENDOR)
    run(engine, session, days_before(sub, 30))
    report = run(engine, session, days_before(sub, -1))
    assert _figures(report) == (0, 0, 0, 1)
    now = fresh(session, sub)
    assert (now.status, now.term_start, now.term_end) == ("active", sub.term_end, add_months(sub.term_end, 12))  # fmt: skip
    claims = verify_license_key(license_of(session, sub).key, get_settings().license_signing_key)
    assert claims.expires_on == now.term_end and claims.seats == 10
    assert session.exec(select(Renewal)).one().renewed_by == "auto-renewal"


def test_a_subscription_that_cannot_renew_is_named_and_the_run_goes_on(
    engine: Engine, session: Session, world: World
) -> None:
    priced = subscribe(session, world, seats=2)
    stuck = subscribe(session, world, seats=3)
    set_renewal_terms(stuck.id, pricing_method="list", session=session, actor=VENDOR)
    set_renewal_terms(priced.id, auto_renew=True, session=session, actor=VENDOR)
    session.add(AuthorizationRule(partner_id=world.partner_a, effect="deny", scope="category", value="software"))  # fmt: skip
    report = run(engine, session, days_before(stuck, 30))
    assert (report["renewals_created"], report["notices_sent"], report["failed"]) == (1, 1, 1)
    assert str(report["failures"][0]).startswith(f"subscription {stuck.id}: ")  # type: ignore[index]
    for buyer in session.exec(select(Buyer).where(Buyer.partner_id == world.partner_a)):
        buyer.active = False  # nobody left to order for: the auto-renewal cannot be placed
        session.add(buyer)
    report = run(engine, session, days_before(stuck, -1))
    assert (report["auto_renewed"], report["lapsed"], report["failed"]) == (0, 2, 1)
    assert "auto-renewal failed, lapses" in str(report["failures"])
    assert fresh(session, priced).status == "expired"
