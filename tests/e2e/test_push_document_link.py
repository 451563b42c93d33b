"""The quote's read-only document link on the CRM deal (both CRMs), opened through the web app."""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest
from pypdf import PdfReader
from sqlmodel import col, select
from starlette.testclient import TestClient

from channelsync.web.app import build_app
from channelsync.web.link_limits import LinkGuessLimiter
from channelsync.web.settings import WebSettings
from order_core.db import new_session
from order_core.orders.models import Order
from order_core.quotes.models import Quote
from order_core.settings import get_settings
from tests.e2e.push_world import HS, SF, PushWorld

BASE = "https://channelsync.example.com"
SECRET = "document-secret-of-the-e2e-tests-0123456789"


@pytest.fixture
def links(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Document links configured: a public base URL and a signing secret."""
    monkeypatch.setenv("CHANNELSYNC_PUBLIC_BASE_URL", BASE)
    monkeypatch.setenv("CHANNELSYNC_QUOTE_DOCUMENT_SECRET", SECRET)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def _deal_link(world: PushWorld, source: str, crm_id: str) -> object:
    if source == SF:
        return world.sandboxes.sf.app.admin_api.record("Opportunity", crm_id)[
            "Channelsync_Quote_Url__c"
        ]
    return world.sandboxes.hs.app.record("deals", crm_id).props.get("channelsync_quote_url")


def _quoted_and_pushed(world: PushWorld, source: str) -> tuple[str, Quote]:
    deal = world.quotable_deal(source)
    world.flag(source, deal)
    world.pull(source)
    [result] = [r for r in world.quote_requests(source) if r.deal_id == deal.id]
    assert result.outcome == "quoted", result.reason
    report = world.push(source)
    assert report.status == "ok" and report.dead_lettered == 0, report.as_dict()
    with new_session(world.engine) as session:
        quote = session.exec(select(Quote).where(Quote.deal_id == deal.id)).one()
    return deal.crm_id, quote


def _client(world: PushWorld) -> TestClient:
    limiter = LinkGuessLimiter(1000, 600)
    return TestClient(build_app(world.engine, settings=WebSettings(), limiter=limiter))


@pytest.mark.usefixtures("links")
def test_the_deal_gets_a_link_that_opens_the_quote_document_only(world: PushWorld) -> None:
    client = _client(world)
    for source in (SF, HS):
        crm_id, quote = _quoted_and_pushed(world, source)
        link = _deal_link(world, source, crm_id)
        assert isinstance(link, str)
        path = f"/documents/quotes/{quote.number}/v{quote.version}/quote.pdf"
        assert link.startswith(f"{BASE}{path}?sig=")
        signature = link.rsplit("sig=", 1)[1]
        opened = client.get(link.removeprefix(BASE))
        assert opened.status_code == 200
        assert opened.headers["content-type"] == "application/pdf"
        assert opened.content.startswith(b"%PDF")
        text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(opened.content)).pages)
        assert quote.number in text
        assert f"{quote.resale_total:,.2f}" in text  # the total the customer sees (resale)
        # A tampered signature, or this one on another quote version, opens nothing.
        flipped = signature[:-1] + ("A" if signature[-1] != "A" else "B")
        for bad in (
            f"{path}?sig={flipped}",
            f"/documents/quotes/{quote.number}/v{quote.version + 1}/quote.pdf?sig={signature}",
            f"{path}?sig=",
            path,
        ):
            refused = client.get(bad)
            assert refused.status_code == 404, bad
            assert "This link is not valid" in refused.text
        # The signature is no acceptance token: the quote page and its forms refuse it.
        page = client.get(f"/quotes/{quote.number}/v{quote.version}/accept?token={signature}")
        assert page.status_code == 404 and "This link is not valid" in page.text
        form = {"token": signature, "name": "Mallory", "email": "m@example.com", "form_token": "x"}
        for action in ("accept", "decline"):
            posted = client.post(
                f"/quotes/{quote.number}/v{quote.version}/{action}",
                data={**form, "reason": "no"},
                follow_redirects=False,
            )
            assert posted.status_code in (403, 404), posted.status_code
        with new_session(world.engine) as session:
            after = session.get(Quote, quote.id)
            assert after is not None and after.state == quote.state
            assert (
                session.exec(select(Order).where(col(Order.quote_id) == quote.id)).first() is None
            )


def test_without_configured_links_the_deal_gets_none(
    world: PushWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CHANNELSYNC_QUOTE_DOCUMENT_SECRET", raising=False)
    monkeypatch.setenv("CHANNELSYNC_PUBLIC_BASE_URL", BASE)
    get_settings.cache_clear()
    try:
        client = _client(world)
        for source in (SF, HS):
            crm_id, quote = _quoted_and_pushed(world, source)
            assert _deal_link(world, source, crm_id) in (None, "")
            # The summary itself was written.
            if source == SF:
                opp = world.sandboxes.sf.app.admin_api.record("Opportunity", crm_id)
                assert opp["Channelsync_Quote_Number__c"] == quote.number
            path = f"/documents/quotes/{quote.number}/v{quote.version}/quote.pdf?sig=abc"
            assert client.get(path).status_code == 404
    finally:
        get_settings.cache_clear()
