"""Fixtures for the web app: the quote world with a branded reseller, a sent quote, a client on the app."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

import pytest
from sqlalchemy.engine import Engine
from starlette.testclient import TestClient

from channelsync.web.app import build_app
from channelsync.web.link_limits import LinkGuessLimiter
from channelsync.web.settings import WebSettings
from order_core.catalog.resale_prices import set_resale_price
from order_core.partners.branding import set_branding
from order_core.pricing_inputs.builder import QuoteLineInput
from order_core.quotes.approvals import submit_quote
from order_core.quotes.sending import send_quote
from order_core.quotes.services import create_quote
from order_core.settings import get_settings
from tests.order_core.quotes.conftest import World, world

__all__ = ["world"]  # the quote tests' fixture, used here too

LOGO = (
    b'<svg xmlns="http://www.w3.org/2000/svg" width="180" height="40" viewBox="0 0 180 40">'
    b'<rect width="40" height="40" rx="8" fill="#0B5394"/><path d="M10 30 L20 10 L30 30 Z" fill="#fff"/>'
    b'<text x="50" y="27" font-family="DejaVu Sans, sans-serif" font-size="18" font-weight="bold" '
    b'fill="#0B5394">Acme Resale</text></svg>'
)
# What the customer pays (resale) and what the reseller pays (buy), per the world's prices:
# SW-100 list 1,000.00, buy 855.00 (10 % program, 5 % distributor), resale 20 % on buy = 1,026.00;
# HW-200 list 250.50 (the resale default), buy 214.18.
RESALE = ("$1,026.00", "$2,052.00", "$250.50", "$2,302.50")
BUY = ("$855.00", "$1,710.00", "$214.18", "$1,924.18")


@dataclass(frozen=True)
class WebQuote:
    """A sent quote: its id, number, version and link token (plain values: no lazy loads later)."""

    quote_id: int
    number: str
    version: int
    token: str

    @property
    def base(self) -> str:
        """The path the quote's pages hang under."""
        return f"/quotes/{self.number}/v{self.version}"

    @property
    def page(self) -> str:
        """The quote page with the link's token (as the e-mail links it)."""
        return f"{self.base}/accept?token={self.token}"


@pytest.fixture(autouse=True)
def _web_settings(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("CHANNELSYNC_PUBLIC_BASE_URL", "http://testserver")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def brand_reseller(world: World) -> None:
    """The reseller's own brand (logo, colours) and a 20 % markup on buy for software."""
    set_branding(
        world.reseller,
        session=world.session,
        actor=world.admin,
        display_name="Acme Resale",
        primary_color="#0B5394",
        logo=LOGO,
        footer_text="Acme Resale, your software partner",
    )
    set_resale_price(world.reseller, scope="category", value="software", method="markup", percent=Decimal("20"), session=world.session, actor=world.admin)  # fmt: skip


def send_new_quote(world: World, quantity: int = 2) -> WebQuote:
    """Create, submit and send a quote of ``quantity`` SW-100 and one HW-200 to the world's customer."""
    quote = create_quote(
        world.reseller,
        [QuoteLineInput("SW-100", quantity), QuoteLineInput("HW-200", 1)],
        session=world.session,
        actor=world.sales,
        end_customer_id=world.customer,
    )
    submit_quote(quote.id or 0, session=world.session, actor=world.sales)
    sent = send_quote(quote.id or 0, session=world.session, actor=world.sales)
    return WebQuote(quote.id or 0, sent.quote.number, sent.quote.version, sent.token)


@pytest.fixture
def web_quote(world: World) -> WebQuote:
    """A quote sent to the world's end customer under the reseller's brand."""
    brand_reseller(world)
    return send_new_quote(world)


def web_client(engine: Engine, **settings: object) -> TestClient:
    """A client on a new app over ``engine`` (its own guess limiter)."""
    web = WebSettings(**settings)  # type: ignore[arg-type]
    limiter = LinkGuessLimiter(web.web_link_failures, web.web_link_failure_window_seconds)
    return TestClient(build_app(engine, settings=web, limiter=limiter), follow_redirects=False)


@pytest.fixture
def client(engine: Engine) -> Iterator[TestClient]:
    """A client on the app over the test engine."""
    with web_client(engine) as c:
        yield c


def form_fields(html: str, action: str) -> dict[str, str]:
    """The hidden fields of the form posting to a path ending in ``action`` on a page."""
    found = re.search(rf'<form method="post" action="[^"]*/{action}">(.*?)</form>', html, re.S)
    assert found is not None, f"the page has no {action} form"
    return dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">', found[1]))
