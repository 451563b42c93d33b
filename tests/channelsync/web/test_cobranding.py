"""A distributor's co-branding (name, embedded logo, colours) on its resellers' quotes and invoices.

The quote comes from a CRM deal through the sync engine's service, goes out by e-mail, is written
by ``channelsync quote render``, shown and accepted on the web page; the order that acceptance
places is fulfilled and invoiced. A reseller without a distributor gets none of it. (Renewals and
statements: ``test_renewal_cobranding``.)
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from email.message import Message
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import col, select
from starlette.testclient import TestClient

from order_core.actors import Actor
from order_core.deals.models import Deal, DealLine
from order_core.invoices.models import Invoice
from order_core.invoices.render import render_invoice_html, render_invoice_pdf
from order_core.orders.checkout import CartItem, place_order
from order_core.orders.models import Order
from order_core.partners.models import DistributorRelation, Partner
from order_core.pricing_inputs.builder import QuoteLineInput
from order_core.quotes.approvals import submit_quote
from order_core.quotes.decisions import decide_approval, quote_approvals
from order_core.quotes.from_deals import quote_requested_deals
from order_core.quotes.models import Quote
from order_core.quotes.sending import send_quote
from order_core.quotes.services import create_quote
from order_core.settings import CoreSettings
from tests.channelsync.web.cobrand import (
    LOGO,
    LOGO_URI,
    PRIMARY,
    SUPPLIED,
    VENDOR,
    assert_cobranded_html,
    assert_cobranded_pdf,
    brand_distributor,
    deliver_one,
    invoiced,
    pdf_parts,
    use_test_database,
)
from tests.channelsync.web.conftest import brand_reseller, form_fields
from tests.cli_run import run_cli
from tests.order_core.quotes.conftest import World
from tests.smtp_sink import Sink, html_part, text_part

SYNC = Actor.system("acme-sf")


@pytest.fixture(autouse=True)
def _database_url(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    use_test_database(engine, monkeypatch)


def _brand_distributor(world: World) -> None:
    brand_distributor(world.session, world.distributor)


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
    return deliver_one(world.session, "quote_sent", settings, sink)


def _invoice_of(world: World, order: Order) -> Invoice:
    return invoiced(world.session, order)


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
    assert_cobranded_html(out.read_text(encoding="utf-8"))
    pdf = tmp_path / "quote.pdf"
    assert run_cli("quote", "render", number, "--out", str(pdf)).code == 0
    assert_cobranded_pdf(pdf.read_bytes())

    # The customer's page and its PDF; accepting places the order through the same distributor.
    base = f"/quotes/{number}/v1"
    page = client.get(f"{base}/accept?token={token}")
    assert SUPPLIED in page.text and f'src="{LOGO_URI}"' in page.text
    assert f"--cobrand: {PRIMARY};" in page.text
    assert_cobranded_pdf(client.get(f"{base}/quote.pdf?token={token}").content)
    data = {**form_fields(page.text, "accept"), "name": "Wanda", "email": "wanda@widgets.test", "po_number": "PO-1"}  # fmt: skip
    assert client.post(f"{base}/accept", data=data).status_code == 303
    assert_cobranded_pdf(client.get(f"{base}/invoice.pdf?token={token}").content)
    order = s.exec(select(Order).where(Order.quote_id == quote.id)).one()
    assert order.distributor_id == world.distributor

    # The vendor's invoice of that order, HTML and PDF.
    invoice = _invoice_of(world, order)
    assert invoice.distributor_id == world.distributor
    assert_cobranded_html(render_invoice_html(invoice.number, session=s, actor=VENDOR))
    assert_cobranded_pdf(render_invoice_pdf(invoice.number, session=s, actor=VENDOR))


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
    assert_cobranded_html(render_invoice_html(invoice.number, session=s, actor=VENDOR))


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
    text, sizes = pdf_parts(render_invoice_pdf(invoice.number, session=s, actor=VENDOR))
    assert "Supplied through" not in text and sizes == []
    assert s.exec(select(Order).where(col(Order.distributor_id).is_not(None))).first() is None
