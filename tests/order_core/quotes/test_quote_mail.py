"""Quote e-mails that arrive: rendered from templates, recipients resolved, delivered to a local SMTP sink."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from sqlmodel import col, select

from order_core.actors import Actor
from order_core.catalog.resale_prices import set_resale_price
from order_core.notifications.delivery import deliver_pending_notifications
from order_core.notifications.recipients import UnresolvedRecipient, resolve_recipients
from order_core.outbox import OutboxEvent
from order_core.pricing_inputs.builder import QuoteLineInput
from order_core.quotes.approvals import submit_quote
from order_core.quotes.customer_link import LinkState, customer_quote
from order_core.quotes.decisions import decide_approval, quote_approvals
from order_core.quotes.sending import send_quote
from order_core.quotes.services import create_quote
from order_core.settings import CoreSettings, get_settings
from order_core.staff.services import set_vendor_user
from order_core.types import utcnow
from tests.order_core.quotes.conftest import World
from tests.smtp_sink import Sink, html_part, text_part

BASE = "https://quotes.example.test"


@pytest.fixture(autouse=True)
def _public_base_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHANNELSYNC_PUBLIC_BASE_URL", BASE)
    get_settings.cache_clear()


def _staff(world: World) -> None:
    s, admin = world.session, world.admin
    set_vendor_user("dora", name="Dora Desk", email="dora@vendor.test", roles=["pricing_desk"], session=s, actor=admin)  # fmt: skip
    set_vendor_user("pat", name="Pat Both", email="pat@vendor.test", roles=["pricing_desk", "vp_sales"], session=s, actor=admin)  # fmt: skip
    set_vendor_user(
        "vic", name="Vic VP", email="vic@vendor.test", roles=["vp_sales"], session=s, actor=admin
    )
    set_vendor_user("old", name="Gone", email="old@vendor.test", roles=["pricing_desk"], active=False, session=s, actor=admin)  # fmt: skip


def _mail_events(world: World) -> list[OutboxEvent]:
    stmt = select(OutboxEvent).where(OutboxEvent.topic == "notify.email")
    return list(world.session.exec(stmt.order_by(col(OutboxEvent.id))))


def test_the_quote_email_to_the_end_customer_has_resale_prices_and_the_link(
    world: World, smtp: tuple[Sink, CoreSettings]
) -> None:
    sink, settings = smtp
    s = world.session
    set_resale_price(world.reseller, scope="category", value="software", method="markup", percent=Decimal("20"), session=s, actor=world.admin)  # fmt: skip
    quote = create_quote(
        world.reseller,
        [QuoteLineInput("SW-100", 2), QuoteLineInput("HW-200", 1)],
        session=s,
        actor=world.sales,
        end_customer_id=world.customer,
    )
    submit_quote(quote.id or 0, session=s, actor=world.sales)
    sent = send_quote(quote.id or 0, session=s, actor=world.sales)
    assert sent.acceptance_url.startswith(f"{BASE}/quotes/{quote.number}/v1/accept?token=")
    for event in _mail_events(world):  # only the quote e-mail goes out in this test
        event.status = "delivered" if event.data()["kind"] != "quote_sent" else "pending"
        s.add(event)
    s.commit()

    report = deliver_pending_notifications(s, settings)
    assert (report.sent, report.failed, report.errors) == (1, 0, ())
    (mail,) = sink.messages
    assert mail.rcpt == ["buyer@widgets.test"]
    assert mail.message["Subject"] == f"Quote {quote.number} from Acme Resale"
    text, html = text_part(mail.message), html_part(mail.message)
    for part in (text, html):
        # SW-100: buy 855.00 x 1.20 = 1,026.00 (x 2 = 2,052.00); HW-200 at list 250.50.
        assert "$1,026.00" in part and "$2,052.00" in part and "$250.50" in part
        assert "$2,302.50" in part and "Widgets &" in part
        assert sent.acceptance_url in part
        assert not any(buy in part for buy in ("$855.00", "$1,710.00", "$214.18", "$1,924.18"))
    assert "Big &lt;Dist&gt; Europe" in html and "supplied through Big <Dist> Europe" in text
    # The link in the e-mail opens the quote.
    found = re.search(r"token=([A-Za-z0-9_-]+)", text)
    assert found is not None
    view = customer_quote(quote.number, 1, found[1], session=s, actor=Actor.system("link"))
    assert view.state is LinkState.OPEN and view.document.total == Decimal("2302.50")


def test_approval_requests_reach_the_vendor_staff_holding_the_role(
    world: World, smtp: tuple[Sink, CoreSettings]
) -> None:
    sink, settings = smtp
    _staff(world)
    quote = create_quote(
        world.reseller,
        [QuoteLineInput("SW-100", 1, requested_discount_percent=Decimal("25"))],
        session=world.session,
        actor=world.sales,
        end_customer_id=world.customer,
    )
    submit_quote(quote.id or 0, session=world.session, actor=world.sales)
    assert deliver_pending_notifications(world.session, settings).sent == 1
    (mail,) = sink.messages
    assert mail.rcpt == ["dora@vendor.test", "pat@vendor.test"]  # active holders only
    assert mail.message["Subject"] == f"Approval needed: quote {quote.number} v1 of Acme Resale"
    text = text_part(mail.message)
    assert "your approval as pricing desk (step 1)" in text and "Widgets & Co" in text
    assert "Buy total: $641.25" in text  # 855.00 x 0.75: the vendor's staff see buy prices
    assert "Buy total: $641.25" in html_part(mail.message)
    request = quote_approvals(quote.id or 0, session=world.session, actor=world.admin)[0]
    decide_approval(request.id or 0, True, session=world.session, actor=world.desk)
    assert deliver_pending_notifications(world.session, settings).sent == 1
    approved = sink.messages[-1]
    assert approved.rcpt == ["sally@vendor.test"]  # the author, by address
    assert approved.message["Subject"] == f"Quote {quote.number} v1 is approved"


def test_an_unknown_role_is_an_outbox_error_not_a_sent_message(
    world: World, smtp: tuple[Sink, CoreSettings]
) -> None:
    sink, settings = smtp
    quote = create_quote(
        world.reseller,
        [QuoteLineInput("SW-100", 1, requested_discount_percent=Decimal("25"))],
        session=world.session,
        actor=world.sales,
    )
    submit_quote(quote.id or 0, session=world.session, actor=world.sales)
    report = deliver_pending_notifications(world.session, settings)
    assert (report.sent, report.failed) == (0, 1) and sink.messages == []
    (event,) = _mail_events(world)
    expected = "no active vendor user holds role pricing_desk"
    assert (
        event.status == "pending" and event.attempts == 1 and expected in (event.last_error or "")
    )
    assert len(report.errors) == 1 and expected in report.errors[0]
    # Once the directory names someone, the retry delivers it.
    _staff(world)
    event.next_attempt_at = utcnow()
    world.session.add(event)
    world.session.commit()
    assert deliver_pending_notifications(world.session, settings).sent == 1
    assert sink.messages[0].rcpt == ["dora@vendor.test", "pat@vendor.test"]


def test_roles_and_logins_resolve_to_people_and_strangers_do_not(world: World) -> None:
    _staff(world)
    event = OutboxEvent(
        topic="notify.email", aggregate="quote", aggregate_id="1", partner_id=world.reseller,
        payload='{"to": ["partner-role:approver", "role:vp_sales", "dora", "x@y.test", "dora"]}',
    )  # fmt: skip
    assert resolve_recipients(world.session, event) == [
        "ann@acme.test",
        "sam@acme.test",
        "pat@vendor.test",
        "vic@vendor.test",
        "dora@vendor.test",
        "x@y.test",
    ]
    for entry, reason in (
        ("partner-role:admin", "has no active buyer with role admin"),
        ("role:finance", "no active vendor user holds role finance"),
        ("old", "neither an e-mail address, a role nor an active vendor user"),
    ):
        event.payload = f'{{"to": ["{entry}"]}}'
        with pytest.raises(UnresolvedRecipient, match=reason):
            resolve_recipients(world.session, event)
