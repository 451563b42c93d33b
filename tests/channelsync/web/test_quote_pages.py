"""The quote page of a link: resale prices under the reseller's brand, accept, decline, states, PDFs."""

from __future__ import annotations

import io
from datetime import timedelta
from decimal import Decimal

import pytest
from pypdf import PdfReader
from sqlmodel import col, select
from starlette.testclient import TestClient

from order_core.orders.models import Order, OrderLine
from order_core.quotes.models import Quote, QuoteAcceptance
from order_core.quotes.services import revise_quote
from order_core.types import utcnow
from tests.channelsync.web.conftest import BUY, RESALE, WebQuote, form_fields
from tests.order_core.quotes.conftest import World


def _accept(client: TestClient, web_quote: WebQuote, **fields: str) -> tuple[int, str, str]:
    page = client.get(web_quote.page)
    data = {**form_fields(page.text, "accept"), **fields}
    answer = client.post(f"{web_quote.base}/accept", data=data)
    return answer.status_code, answer.headers.get("location", ""), answer.text


def _orders(world: World) -> list[Order]:
    orders = list(world.session.exec(select(Order).order_by(col(Order.id))))
    world.session.commit()  # ends the read (on SQLite every transaction holds the write lock)
    return orders


def test_the_page_shows_resale_prices_under_the_resellers_brand(
    client: TestClient, web_quote: WebQuote
) -> None:
    page = client.get(web_quote.page)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    html = page.text
    assert all(amount in html for amount in RESALE)
    assert not any(amount in html for amount in BUY)
    assert 'alt="Acme Resale"' in html and "data:image/svg+xml;base64," in html  # the logo
    assert "Supplied through Big &lt;Dist&gt; Europe" in html  # the distributor's co-branding
    assert "Acme Resale, your software partner" in html and "Widgets &amp; Co" in html
    assert f"Quote {web_quote.number}" in html and "valid until" in html
    assert '<html lang="en">' in html and 'name="viewport"' in html
    for label in ("Your name", "Your e-mail address", "Your purchase order number", "Why do you decline?"):  # fmt: skip
        assert f">{label}" in html
    assert "<script" not in html


def test_accepting_orders_once_at_buy_price_and_keeps_the_resale_figures(
    client: TestClient, web_quote: WebQuote, world: World
) -> None:
    status, location, _ = _accept(
        client, web_quote, name="  Wanda   Widget ", email="wanda@widgets.test", po_number="PO-77"
    )
    assert (status, location) == (303, web_quote.page)
    (order,) = _orders(world)
    assert order.net_total == Decimal("1924.18") and order.po_number == "PO-77"
    lines = world.session.exec(select(OrderLine).where(OrderLine.order_id == order.id)).all()
    assert sorted(line.unit_net for line in lines) == [Decimal("214.18"), Decimal("855.00")]
    record = world.session.exec(select(QuoteAcceptance)).one()
    assert (record.name, record.email, record.po_number) == ("Wanda Widget", "wanda@widgets.test", "PO-77")  # fmt: skip
    assert record.subtotal == Decimal("2302.50") and record.order_id == order.id
    world.session.commit()
    # The page now says it is accepted, with the invoice to download.
    page = client.get(web_quote.page)
    assert "Quote accepted" in page.text and "Accepted by Wanda Widget" in page.text
    assert record.invoice_number in page.text and "/invoice.pdf?token=" in page.text
    assert 'action="' not in page.text.split("Quote accepted")[1]  # no forms any more


def test_a_second_submission_is_refused_with_a_clear_page(
    client: TestClient, web_quote: WebQuote, world: World
) -> None:
    page = client.get(web_quote.page)
    data = {**form_fields(page.text, "accept"), "name": "Wanda", "email": "wanda@widgets.test", "po_number": "PO-1"}  # fmt: skip
    first = client.post(f"{web_quote.base}/accept", data=data)
    second = client.post(f"{web_quote.base}/accept", data=data)
    assert first.status_code == 303 and second.status_code == 409
    assert "<h1>The quote could not be accepted</h1>" in second.text
    assert "was already accepted on" in second.text and "by Wanda" in second.text
    assert len(_orders(world)) == 1


def test_missing_name_or_email_is_asked_again_and_orders_nothing(
    client: TestClient, web_quote: WebQuote, world: World
) -> None:
    status, _, html = _accept(client, web_quote, name=" ", email="", po_number="PO-1")
    assert status == 400
    assert "Enter the name of the person accepting the quote." in html
    assert "Enter an e-mail address for the invoice." in html
    assert 'aria-invalid="true"' in html and 'value="PO-1"' in html  # what was typed is kept
    status, _, html = _accept(
        client, web_quote, name="Wanda", email="not-an-address", po_number="P"
    )
    assert status == 400 and "&#39;not-an-address&#39; is not an e-mail address" in html
    assert _orders(world) == []


def test_declining_records_the_reason_and_the_page_says_so(
    client: TestClient, web_quote: WebQuote, world: World
) -> None:
    page = client.get(web_quote.page)
    fields = form_fields(page.text, "decline")
    empty = client.post(f"{web_quote.base}/decline", data={**fields, "reason": "  "})
    assert empty.status_code == 400 and "Tell the seller why you decline the quote." in empty.text
    done = client.post(f"{web_quote.base}/decline", data={**fields, "reason": "Too expensive"})
    assert (done.status_code, done.headers["location"]) == (303, web_quote.page)
    quote = world.session.get(Quote, web_quote.quote_id)
    world.session.refresh(quote)
    assert quote is not None and quote.state == "rejected"
    assert world.events("notify.email")[-1]["reason"] == "Too expensive"
    world.session.commit()
    after = client.get(web_quote.page).text
    assert "Quote declined" in after and "was declined" in after and "Accept quote" not in after
    accept = client.post(
        f"{web_quote.base}/accept",
        data={
            **form_fields(page.text, "accept"),
            "name": "W",
            "email": "w@widgets.test",
            "po_number": "P",
        },
    )
    assert accept.status_code == 409 and "was declined" in accept.text
    assert _orders(world) == []


def test_an_expired_link_says_so_and_cannot_be_accepted(
    client: TestClient, web_quote: WebQuote, world: World
) -> None:
    form = form_fields(client.get(web_quote.page).text, "accept")
    quote = world.session.get(Quote, web_quote.quote_id)
    assert quote is not None
    quote.valid_until = utcnow().date() - timedelta(days=1)
    world.session.add(quote)
    world.session.commit()
    page = client.get(web_quote.page)
    assert page.status_code == 200 and "Quote expired" in page.text and "expired on" in page.text
    assert "Accept quote" not in page.text
    refused = client.post(
        f"{web_quote.base}/accept",
        data={**form, "name": "W", "email": "w@widgets.test", "po_number": "P"},
    )
    assert refused.status_code == 409 and "expired on" in refused.text
    assert _orders(world) == []


def test_a_replaced_version_points_to_the_newer_one(
    client: TestClient, web_quote: WebQuote, world: World
) -> None:
    revise_quote(web_quote.quote_id, session=world.session, actor=world.sales)
    page = client.get(web_quote.page)
    assert "Quote replaced" in page.text and "replaced by a newer version" in page.text
    assert "Accept quote" not in page.text


def test_unknown_and_tampered_links_get_one_page_that_reveals_nothing(
    client: TestClient, web_quote: WebQuote
) -> None:
    token = web_quote.token
    tampered = token[:-1] + ("A" if token[-1] != "A" else "B")
    answers = [
        client.get(f"{web_quote.base}/accept?token={tampered}"),
        client.get(f"/quotes/Q-999999/v1/accept?token={token}"),
        client.get(f"{web_quote.base[:-1]}7/accept?token={token}"),
        client.get(f"{web_quote.base}/accept"),
        client.get(f"{web_quote.base}/accept?token=<script>"),
        client.get(f"{web_quote.base}/quote.pdf?token={tampered}"),
    ]
    assert {a.status_code for a in answers} == {404}
    bodies = {a.text.replace(a.headers["content-security-policy"].split("'nonce-")[1].split("'")[0], "") for a in answers}  # fmt: skip
    assert len(bodies) == 1  # byte for byte the same page (but the CSP nonce)
    (body,) = bodies
    assert "This link is not valid" in body and "Q-999999" not in body


def test_the_quote_and_invoice_pdfs_show_resale_prices_only(
    client: TestClient, web_quote: WebQuote
) -> None:
    pdf = client.get(f"{web_quote.base}/quote.pdf?token={web_quote.token}")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    number = web_quote.number
    assert pdf.headers["content-disposition"] == f'attachment; filename="quote-{number}-v1.pdf"'
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    assert all(a in text for a in RESALE) and not any(b in text for b in BUY)
    early = client.get(f"{web_quote.base}/invoice.pdf?token={web_quote.token}")
    assert early.status_code == 409 and "No invoice yet" in early.text
    _accept(client, web_quote, name="Wanda", email="wanda@widgets.test", po_number="PO-9")
    invoice = client.get(f"{web_quote.base}/invoice.pdf?token={web_quote.token}")
    assert invoice.status_code == 200 and invoice.content.startswith(b"%PDF")
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(invoice.content)).pages)
    assert "$2,302.50" in text and "Wanda" in text and not any(b in text for b in BUY)


def test_an_order_the_seller_cannot_place_names_no_internals(
    client: TestClient, web_quote: WebQuote, world: World, caplog: pytest.LogCaptureFixture
) -> None:
    # The reseller pays the vendor by purchase order only: without a PO no order can be placed.
    status, _, html = _accept(client, web_quote, name="Wanda", email="wanda@widgets.test")
    assert status == 409 and "<h1>The quote could not be accepted</h1>" in html
    assert "Nothing was recorded. Please contact the seller" in html
    assert "payment" not in html  # the reseller's terms with the vendor are not the customer's
    assert "name a payment method" in caplog.text  # the reason is in the log for the operator
    assert _orders(world) == []
    assert "Accept quote" in client.get(web_quote.page).text  # still open
