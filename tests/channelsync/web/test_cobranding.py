"""A distributor's co-branding (name, embedded logo, colours) on every document its resellers' customers get.

The quote comes from a CRM deal through the sync engine's service, goes out by e-mail, is written
by ``channelsync quote render``, shown and accepted on the web page; the order that acceptance
places is fulfilled and invoiced. A renewal's notice, self-renew page, renewal order's invoice
and commission statement too. A reseller without a distributor gets none of it.
"""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime
from decimal import Decimal
from email.message import Message
from pathlib import Path

import pytest
from PIL import Image
from pypdf import PdfReader
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select
from starlette.testclient import TestClient

from channelsync.web.app import build_app
from channelsync.web.core_renewals import CoreRenewals
from channelsync.web.settings import WebSettings
from order_core.actors import Actor
from order_core.commissions.services import create_program
from order_core.deals.models import Deal, DealLine
from order_core.fulfillment.services import accept_order, fulfill_order
from order_core.invoices.models import Invoice
from order_core.invoices.render import render_invoice_html, render_invoice_pdf
from order_core.notifications.delivery import deliver_pending_notifications
from order_core.orders.checkout import CartItem, place_order
from order_core.orders.models import Order
from order_core.outbox import OutboxEvent
from order_core.partners.branding import set_branding
from order_core.partners.models import DistributorRelation, Partner
from order_core.pricing_inputs.builder import QuoteLineInput
from order_core.quotes.approvals import submit_quote
from order_core.quotes.decisions import decide_approval, quote_approvals
from order_core.quotes.from_deals import quote_requested_deals
from order_core.quotes.models import Quote
from order_core.quotes.sending import send_quote
from order_core.quotes.services import create_quote
from order_core.renewals.models import Renewal
from order_core.renewals.run import run_renewals
from order_core.settings import CoreSettings, get_settings
from quote_engine.documents.images import logo_data_uri
from tests.channelsync.web.conftest import brand_reseller, form_fields
from tests.cli_run import run_cli
from tests.order_core.orders.world import make_world
from tests.order_core.quotes.conftest import World
from tests.order_core.renewals.conftest import days_before, subscribe
from tests.smtp_sink import Sink, html_part, text_part

VENDOR = Actor.vendor("root@vendor.test", "admin")
SYNC = Actor.system("acme-sf")
PRIMARY, SECONDARY = "#C0392B", "#FDEDEC"  # the distributor's colours
SUPPLIED = "Supplied through Big &lt;Dist&gt; Europe"


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (36, 12), (192, 57, 43)).save(out, format="PNG")
    return out.getvalue()


LOGO = _png()
LOGO_URI = logo_data_uri(LOGO)


@pytest.fixture(autouse=True)
def _database_url(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    """The CLI reads the test's database."""
    monkeypatch.setenv("CHANNELSYNC_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    get_settings.cache_clear()


def _brand_distributor(world: World) -> None:
    _set_distributor_branding(world.session, world.distributor)


def _set_distributor_branding(session: Session, distributor_id: int) -> None:
    set_branding(
        distributor_id,
        session=session,
        actor=VENDOR,
        display_name="Big <Dist> Europe",
        primary_color=PRIMARY,
        secondary_color=SECONDARY,
        logo=LOGO,
        footer_text="Distributed by Big Dist",
    )


def _pdf(data: bytes) -> tuple[str, list[tuple[int, int]]]:
    """A PDF's text and the pixel sizes of its raster images."""
    reader = PdfReader(io.BytesIO(data))
    text = "".join(p.extract_text() for p in reader.pages)
    sizes = [img.image.size for p in reader.pages for img in p.images if img.image is not None]
    return text, sizes


def _assert_cobranded_html(html: str) -> None:
    assert SUPPLIED in html and 'class="cobrand"' in html
    assert f'src="{LOGO_URI}"' in html  # the distributor's logo, embedded
    assert f"border-right: 4px solid {PRIMARY}" in html and f"background: {SECONDARY}" in html
    assert "Distributed by Big Dist" in html


def _assert_cobranded_pdf(data: bytes) -> None:
    text, sizes = _pdf(data)
    assert "Supplied through Big <Dist> Europe" in text and "Distributed by Big Dist" in text
    assert (36, 12) in sizes  # the distributor's logo is in the PDF


def _quote_from_deal(world: World) -> Quote:
    """The sync engine's quote for the world's deal (flagged in the CRM), approved."""
    s = world.session
    deal = s.get(Deal, world.deal)
    assert deal is not None
    deal.crm_modified_at = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
    s.add(deal)
    s.add(DealLine(deal_id=world.deal, source="salesforce", crm_id="L1", sku="SW-100", quantity=Decimal(2), position=0))  # fmt: skip
    s.add(DealLine(deal_id=world.deal, source="salesforce", crm_id="L2", sku="HW-200", quantity=Decimal(1), position=1))  # fmt: skip
    s.commit()
    (result,) = quote_requested_deals(s, "salesforce", SYNC)
    assert result.outcome == "quoted", result
    quote = s.exec(select(Quote).where(Quote.number == result.quote_number)).one()
    for request in quote_approvals(quote.id or 0, session=s, actor=VENDOR):
        if request.decision == "pending":
            decide_approval(request.id or 0, True, session=s, actor=Actor.vendor("a@vendor.test", request.role))  # fmt: skip
    return quote


def _quote_mail(world: World, settings: CoreSettings, sink: Sink) -> Message:
    return _deliver(world.session, "quote_sent", settings, sink)


def _deliver(s: Session, kind: str, settings: CoreSettings, sink: Sink) -> Message:
    """Deliver the one e-mail of ``kind`` waiting in the outbox (the others count as sent)."""
    for event in s.exec(select(OutboxEvent).where(OutboxEvent.topic == "notify.email")):
        event.status = "pending" if event.data()["kind"] == kind else "delivered"
        s.add(event)
    s.commit()
    assert deliver_pending_notifications(s, settings).sent == 1
    return sink.messages[-1].message


def _invoice_of(world: World, order: Order) -> Invoice:
    return _invoiced(world.session, order)


def _invoiced(s: Session, order: Order) -> Invoice:
    accept_order(order.number, session=s, actor=VENDOR)
    fulfill_order(order.number, session=s, actor=VENDOR)
    return s.exec(select(Invoice).where(Invoice.order_id == order.id)).one()


def test_a_deal_quote_its_mail_cli_page_order_and_invoices_carry_the_distributors_brand(
    world: World, client: TestClient, smtp: tuple[Sink, CoreSettings], tmp_path: Path
) -> None:
    sink, settings = smtp
    s = world.session
    brand_reseller(world)  # the reseller's own brand heads; the distributor's co-brands
    _brand_distributor(world)
    quote = _quote_from_deal(world)
    assert quote.distributor_id == world.distributor
    sent = send_quote(quote.id or 0, session=s, actor=world.sales)
    number, token = sent.quote.number, sent.token

    # The e-mail: the distributor's name, colour and logo (inline, as mail clients show it).
    mail = _quote_mail(world, settings, sink)
    html = html_part(mail)
    assert SUPPLIED in html and f"border-left:4px solid {PRIMARY}" in html
    assert 'src="cid:cobrand-logo@channelsync"' in html and "data:image" not in html
    logos = {p["Content-ID"]: p.get_payload(decode=True) for p in mail.walk() if p.get_content_maintype() == "image"}  # fmt: skip
    assert logos["<cobrand-logo@channelsync>"] == LOGO and "<brand-logo@channelsync>" in logos
    assert "supplied through Big <Dist> Europe" in text_part(mail)

    # channelsync quote render: HTML and PDF.
    out = tmp_path / "quote.html"
    assert run_cli("quote", "render", number, "--out", str(out)).code == 0
    _assert_cobranded_html(out.read_text(encoding="utf-8"))
    pdf = tmp_path / "quote.pdf"
    assert run_cli("quote", "render", number, "--out", str(pdf)).code == 0
    _assert_cobranded_pdf(pdf.read_bytes())

    # The customer's page and its PDF; accepting places the order through the same distributor.
    base = f"/quotes/{number}/v1"
    page = client.get(f"{base}/accept?token={token}")
    assert SUPPLIED in page.text and f'src="{LOGO_URI}"' in page.text
    assert f"--cobrand: {PRIMARY};" in page.text
    _assert_cobranded_pdf(client.get(f"{base}/quote.pdf?token={token}").content)
    data = {**form_fields(page.text, "accept"), "name": "Wanda", "email": "wanda@widgets.test", "po_number": "PO-1"}  # fmt: skip
    assert client.post(f"{base}/accept", data=data).status_code == 303
    _assert_cobranded_pdf(client.get(f"{base}/invoice.pdf?token={token}").content)
    order = s.exec(select(Order).where(Order.quote_id == quote.id)).one()
    assert order.distributor_id == world.distributor

    # The vendor's invoice of that order, HTML and PDF.
    invoice = _invoice_of(world, order)
    assert invoice.distributor_id == world.distributor
    _assert_cobranded_html(render_invoice_html(invoice.number, session=s, actor=VENDOR))
    _assert_cobranded_pdf(render_invoice_pdf(invoice.number, session=s, actor=VENDOR))


def test_the_order_keeps_the_quotes_distributor_when_the_default_changes(
    world: World, client: TestClient
) -> None:
    s = world.session
    _brand_distributor(world)
    quote = _quote_from_deal(world)
    sent = send_quote(quote.id or 0, session=s, actor=world.sales)
    newer = Partner(name="New Dist", kind="distributor")
    s.add(newer)
    s.flush()
    for rel in s.exec(select(DistributorRelation)):
        rel.is_default = False
        s.add(rel)
    s.add(DistributorRelation(reseller_id=world.reseller, distributor_id=newer.id or 0))
    s.commit()
    base = f"/quotes/{sent.quote.number}/v1"
    page = client.get(f"{base}/accept?token={sent.token}")
    data = {**form_fields(page.text, "accept"), "name": "Wanda", "email": "wanda@widgets.test", "po_number": "PO-2"}  # fmt: skip
    assert client.post(f"{base}/accept", data=data).status_code == 303
    order = s.exec(select(Order).where(Order.quote_id == quote.id)).one()
    assert order.distributor_id == world.distributor  # the quote's, priced at its terms
    invoice = _invoice_of(world, order)
    _assert_cobranded_html(render_invoice_html(invoice.number, session=s, actor=VENDOR))


def test_a_reseller_without_a_distributor_gets_no_cobranding(
    world: World, client: TestClient, smtp: tuple[Sink, CoreSettings], tmp_path: Path
) -> None:
    sink, settings = smtp
    s = world.session
    _brand_distributor(world)  # branded, but not the distributor of ``other``
    quote = create_quote(world.other, [QuoteLineInput("SW-100", 1)], session=s, actor=world.sales, end_customer_id=world.customer)  # fmt: skip
    assert quote.distributor_id is None
    submit_quote(quote.id or 0, session=s, actor=world.sales)
    sent = send_quote(quote.id or 0, session=s, actor=world.sales)
    mail = _quote_mail(world, settings, sink)
    assert "Supplied through" not in html_part(mail) and "supplied through" not in text_part(mail)
    assert not [p for p in mail.walk() if p.get_content_maintype() == "image"]
    out = tmp_path / "quote.html"
    assert run_cli("quote", "render", sent.quote.number, "--out", str(out)).code == 0
    for html in (out.read_text(encoding="utf-8"), client.get(f"/quotes/{sent.quote.number}/v1/accept?token={sent.token}").text):  # fmt: skip
        assert "Supplied through" not in html and "Big" not in html and LOGO_URI not in html
    buyer = world.actor(world.other_buyer)
    order = place_order(session=s, actor=buyer, lines=[CartItem("SW-100", 1)], payment_method="purchase_order", po_number="PO-3")  # fmt: skip
    assert order.distributor_id is None
    invoice = _invoice_of(world, order)
    assert invoice.distributor_id is None
    html = render_invoice_html(invoice.number, session=s, actor=VENDOR)
    assert "Supplied through" not in html and "Big" not in html and 'class="cobrand"' not in html
    text, sizes = _pdf(render_invoice_pdf(invoice.number, session=s, actor=VENDOR))
    assert "Supplied through" not in text and sizes == []
    assert s.exec(select(Order).where(col(Order.distributor_id).is_not(None))).first() is None


def test_a_renewal_notice_page_invoice_and_statement_carry_the_distributors_brand(
    engine: Engine, session: Session, smtp: tuple[Sink, CoreSettings], tmp_path: Path
) -> None:
    sink, settings = smtp
    world = make_world(session)
    dist = Partner(name="Big Dist", kind="distributor")
    session.add(dist)
    session.flush()
    session.add(DistributorRelation(reseller_id=world.partner_a, distributor_id=dist.id or 0))
    session.commit()
    _set_distributor_branding(session, dist.id or 0)
    sub = subscribe(session, world)  # bought through the distributor: the subscription keeps it
    run_renewals(engine, days_before(sub, 30))

    mail = _deliver(session, "renewal_notice", settings, sink)
    html = html_part(mail)
    assert SUPPLIED in html and f"border-left:4px solid {PRIMARY}" in html
    assert 'src="cid:cobrand-logo@channelsync"' in html
    logos = {p["Content-ID"]: p.get_payload(decode=True) for p in mail.walk() if p.get_content_maintype() == "image"}  # fmt: skip
    assert logos == {"<cobrand-logo@channelsync>": LOGO}
    text = text_part(mail)
    assert "supplied through Big <Dist> Europe" in text
    found = re.search(r"http://testserver(/renewals/([^?]+)\?token=\S+)", text)
    assert found is not None
    session.commit()

    client = TestClient(
        build_app(engine, settings=WebSettings(), renewals=CoreRenewals()), follow_redirects=False
    )
    page = client.get(found[1])
    assert SUPPLIED in page.text and f'src="{LOGO_URI}"' in page.text
    assert f"--cobrand: {PRIMARY};" in page.text
    fields = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">', page.text))
    data = {**fields, "name": "Rita", "email": "rita@acme.example", "po_number": "PO-9"}
    assert client.post(f"/renewals/{found[2]}/renew", data=data).status_code == 303
    session.expire_all()
    renewal = session.exec(select(Renewal)).one()
    order = session.get(Order, renewal.order_id)
    assert order is not None and order.distributor_id == dist.id
    invoice = _invoiced(session, order)
    assert invoice.distributor_id == dist.id
    _assert_cobranded_html(render_invoice_html(invoice.number, session=session, actor=VENDOR))
    _assert_cobranded_pdf(render_invoice_pdf(invoice.number, session=session, actor=VENDOR))

    # The reseller's commission statement on that renewal, as ``channelsync commissions`` writes it.
    create_program("RENEW", "Renewals", [(Decimal(0), Decimal(10))], kind="renewal_commission", base="resale", session=session, actor=VENDOR)  # fmt: skip
    period = f"{invoice.issued_on:%Y-%m}"
    assert run_cli("commissions", "run", "--period", period).code == 0
    out = tmp_path / "statement.html"
    partner = str(world.partner_a)
    done = run_cli("commissions", "statement", "--partner", partner, "--period", period, "--out", str(out))  # fmt: skip
    assert done.code == 0, done
    statement = out.read_text(encoding="utf-8")
    assert "supplied through Big &lt;Dist&gt; Europe" in statement and "$50.00" in statement
    assert f'src="{LOGO_URI}"' in statement and f"border-bottom: 4px solid {PRIMARY}" in statement
