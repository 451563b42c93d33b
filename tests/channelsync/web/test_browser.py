"""The customer's side in a real browser: Playwright driving Debian's Chromium, JavaScript off.

From the e-mail in the SMTP sink to an accepted quote: resale prices under the reseller's brand
and its distributor's co-branding band, the confirmation, one order at buy price; a second tab's
submission, an expired link and a tampered token each get a clear page. Screenshots of the quote
page (desktop and phone) and of the PDF's first page go to ``CHANNELSYNC_SCREENSHOT_DIR`` (README:
docs/images) or a temp folder.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import select

from order_core.notifications.delivery import deliver_pending_notifications
from order_core.orders.models import Order
from order_core.outbox import OutboxEvent
from order_core.partners.branding import set_branding
from order_core.quotes.models import Quote
from order_core.settings import CoreSettings, get_settings
from order_core.types import utcnow
from tests.channelsync.web.conftest import BUY, RESALE, brand_reseller, send_new_quote
from tests.channelsync.web.live_server import live_server
from tests.order_core.quotes.conftest import World
from tests.smtp_sink import Sink, text_part

DIST_LOGO = (
    b'<svg xmlns="http://www.w3.org/2000/svg" width="120" height="32" viewBox="0 0 120 32">'
    b'<rect width="32" height="32" rx="6" fill="#C0392B"/><path d="M8 24 V8 H17 a8 8 0 0 1 0 16 Z" fill="#fff"/>'
    b'<text x="40" y="22" font-family="DejaVu Sans, sans-serif" font-size="14" font-weight="bold" '
    b'fill="#C0392B">BIG DIST</text></svg>'
)
CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip
pytestmark = pytest.mark.skipif(
    not Path(CHROMIUM).exists(),
    reason=f"{CHROMIUM} is missing (.ci/run installs it): browser tests NOT run",
)

if Path(CHROMIUM).exists():
    from playwright.sync_api import Browser, Page, sync_playwright


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Debian's Chromium, headless (never a browser Playwright downloads)."""
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def server(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The app on a free port; e-mailed links point at it."""

    def public(url: str) -> None:
        monkeypatch.setenv("CHANNELSYNC_PUBLIC_BASE_URL", url)
        get_settings.cache_clear()

    with live_server(engine, before_start=public) as url:
        yield url


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    """Where screenshots go."""
    folder = Path(os.environ.get("CHANNELSYNC_SCREENSHOT_DIR") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _brand_distributor(world: World) -> None:
    """The distributor the reseller buys through co-brands its quotes: name, logo, colours, footer."""
    set_branding(
        world.distributor,
        session=world.session,
        actor=world.admin,
        display_name="Big Dist Europe",
        primary_color="#C0392B",
        secondary_color="#FDEDEC",
        logo=DIST_LOGO,
        footer_text="Distributed by Big Dist Europe B.V.",
    )


def _emailed_link(world: World, sink: Sink, settings: CoreSettings) -> str:
    """Deliver the quote e-mail to the sink and return the link it carries."""
    s = world.session
    for event in s.exec(select(OutboxEvent).where(OutboxEvent.topic == "notify.email")):
        if event.status == "pending" and event.data()["kind"] != "quote_sent":
            event.status = "delivered"  # only the customer's e-mail matters here
            s.add(event)
    s.commit()
    report = deliver_pending_notifications(s, settings)
    assert (report.sent, report.failed) == (1, 0)
    text = text_part(sink.messages[-1].message)
    found = re.search(r"https?://\S+/accept\?token=[A-Za-z0-9_-]+", text)
    assert found is not None, text
    return found[0]


def _orders(world: World) -> list[Order]:
    orders = list(world.session.exec(select(Order)))
    world.session.commit()
    return orders


def _no_js_page(browser: Browser, **options: object) -> Page:
    return browser.new_context(java_script_enabled=False, **options).new_page()  # type: ignore[arg-type]


def test_the_customer_accepts_the_emailed_quote_in_a_browser(
    browser: Browser,
    server: str,
    world: World,
    smtp: tuple[Sink, CoreSettings],
    shots: Path,
) -> None:
    brand_reseller(world)
    _brand_distributor(world)
    quote = send_new_quote(world)
    link = _emailed_link(world, *smtp)
    assert link.startswith(f"{server}/quotes/{quote.number}/v1/accept?token=")

    tab = _no_js_page(browser, viewport={"width": 1000, "height": 900})
    second_tab = tab.context.new_page()
    assert tab.goto(link).status == 200  # type: ignore[union-attr]
    second_tab.goto(link)
    body = tab.inner_text("body")
    assert all(amount in body for amount in RESALE) and not any(b in body for b in BUY)
    assert tab.get_by_role("img", name="Acme Resale").is_visible()  # the reseller's logo
    assert "Supplied through Big Dist Europe" in body  # the distributor's co-branding band
    assert tab.locator(".cobrand img.logo").is_visible()  # with its logo
    assert tab.get_by_role("heading", level=1).inner_text().startswith(f"Quote {quote.number}")
    tab.screenshot(path=str(shots / "quote-page.png"), full_page=True)

    tab.get_by_label("Your name").fill("Wanda Widget")
    tab.get_by_label("Your e-mail address").fill("wanda@widgets.test")
    tab.get_by_label("Your purchase order number").fill("PO-2026-77")
    tab.get_by_role("button", name="Accept quote").click()
    tab.wait_for_load_state()
    assert tab.url == link
    confirmation = tab.inner_text("main")
    assert "Quote accepted" in confirmation and "Accepted by Wanda Widget" in confirmation
    assert tab.get_by_role("link", name="Download the invoice (PDF)").is_visible()
    (order,) = _orders(world)
    assert order.net_total == Decimal("1924.18") and order.po_number == "PO-2026-77"

    # The second tab still shows the form: its submission is refused, plainly.
    second_tab.get_by_label("Your name").fill("Walter Widget")
    second_tab.get_by_label("Your e-mail address").fill("walter@widgets.test")
    second_tab.get_by_label("Your purchase order number").fill("PO-2")
    second_tab.get_by_role("button", name="Accept quote").click()
    second_tab.wait_for_load_state()
    heading = second_tab.get_by_role("heading", level=1).inner_text()
    assert heading == "The quote could not be accepted"
    assert "was already accepted on" in second_tab.inner_text("main") and "Wanda Widget" in second_tab.inner_text("main")  # fmt: skip
    assert len(_orders(world)) == 1
    tab.context.close()


def test_expired_and_tampered_links_get_clear_pages(
    browser: Browser, server: str, world: World, smtp: tuple[Sink, CoreSettings]
) -> None:
    brand_reseller(world)
    quote = send_new_quote(world)
    link = _emailed_link(world, *smtp)
    page = _no_js_page(browser)
    token = link.rsplit("=", 1)[1]
    tampered = link[: -len(token)] + token[::-1]
    assert page.goto(tampered).status == 404  # type: ignore[union-attr]
    assert page.get_by_role("heading", level=1).inner_text() == "This link is not valid"
    row = world.session.get(Quote, quote.quote_id)
    assert row is not None
    row.valid_until = utcnow().date() - timedelta(days=1)
    world.session.add(row)
    world.session.commit()
    assert page.goto(link).status == 200  # type: ignore[union-attr]
    notice = page.get_by_role("status").inner_text()
    assert "Quote expired" in notice and "expired on" in notice
    assert page.get_by_role("button", name="Accept quote").count() == 0
    page.context.close()


def test_the_page_reads_on_a_phone_and_the_pdf_renders(
    browser: Browser,
    server: str,
    world: World,
    smtp: tuple[Sink, CoreSettings],
    shots: Path,
    tmp_path: Path,
) -> None:
    brand_reseller(world)
    _brand_distributor(world)
    send_new_quote(world)
    link = _emailed_link(world, *smtp)
    phone = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True)  # fmt: skip
    page = phone.new_page()
    violations: list[str] = []
    page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)  # fmt: skip
    page.goto(link)
    assert page.evaluate(
        "document.documentElement.scrollWidth <= window.innerWidth"
    )  # no sideways scroll
    assert page.get_by_role("button", name="Accept quote").bounding_box()["width"] > 300  # type: ignore[index]
    page.screenshot(path=str(shots / "quote-page-phone.png"), full_page=True)
    assert violations == []  # the page's one style block and the stylesheet pass the CSP

    pdf = page.request.get(link.replace("/accept?", "/quote.pdf?"))
    assert pdf.status == 200 and pdf.headers["content-type"] == "application/pdf"
    (tmp_path / "quote.pdf").write_bytes(pdf.body())
    pdftoppm = shutil.which("pdftoppm")
    assert pdftoppm is not None, "pdftoppm (poppler-utils) is missing; .ci/run installs it"
    subprocess.run(
        [
            pdftoppm,
            "-png",
            "-r",
            "70",
            "-f",
            "1",
            "-l",
            "1",
            "-singlefile",
            str(tmp_path / "quote.pdf"),
            str(shots / "quote-pdf"),
        ],
        check=True,
    )
    assert (shots / "quote-pdf.png").read_bytes().startswith(b"\x89PNG")
    phone.close()
