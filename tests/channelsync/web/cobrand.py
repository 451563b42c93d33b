"""Shared by the co-branding tests: a distributor's branding (PNG logo, colours) and what must show it."""

from __future__ import annotations

import io
from email.message import Message

import pytest
from PIL import Image
from pypdf import PdfReader
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from order_core.actors import Actor
from order_core.fulfillment.services import accept_order, fulfill_order
from order_core.invoices.models import Invoice
from order_core.notifications.delivery import deliver_pending_notifications
from order_core.orders.models import Order
from order_core.outbox import OutboxEvent
from order_core.partners.branding import set_branding
from order_core.settings import CoreSettings, get_settings
from quote_engine.documents.images import logo_data_uri
from tests.smtp_sink import Sink

VENDOR = Actor.vendor("root@vendor.test", "admin")
PRIMARY, SECONDARY = "#C0392B", "#FDEDEC"  # the distributor's colours
SUPPLIED = "Supplied through Big &lt;Dist&gt; Europe"


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (36, 12), (192, 57, 43)).save(out, format="PNG")
    return out.getvalue()


LOGO = _png()
LOGO_URI = logo_data_uri(LOGO)


def use_test_database(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    """The CLI reads the test's database."""
    monkeypatch.setenv("CHANNELSYNC_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    get_settings.cache_clear()


def brand_distributor(session: Session, distributor_id: int) -> None:
    """The distributor's branding: name, PNG logo, colours, footer."""
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


def pdf_parts(data: bytes) -> tuple[str, list[tuple[int, int]]]:
    """A PDF's text and the pixel sizes of its raster images."""
    reader = PdfReader(io.BytesIO(data))
    text = "".join(p.extract_text() for p in reader.pages)
    sizes = [img.image.size for p in reader.pages for img in p.images if img.image is not None]
    return text, sizes


def assert_cobranded_html(html: str) -> None:
    """The document's HTML shows the distributor's name, embedded logo, colours and footer."""
    assert SUPPLIED in html and 'class="cobrand"' in html
    assert f'src="{LOGO_URI}"' in html  # the distributor's logo, embedded
    assert f"border-right: 4px solid {PRIMARY}" in html and f"background: {SECONDARY}" in html
    assert "Distributed by Big Dist" in html


def assert_cobranded_pdf(data: bytes) -> None:
    """The PDF shows the distributor's name and footer and holds its logo."""
    text, sizes = pdf_parts(data)
    assert "Supplied through Big <Dist> Europe" in text and "Distributed by Big Dist" in text
    assert (36, 12) in sizes  # the distributor's logo is in the PDF


def deliver_one(s: Session, kind: str, settings: CoreSettings, sink: Sink) -> Message:
    """Deliver the one e-mail of ``kind`` waiting in the outbox (the others count as sent)."""
    for event in s.exec(select(OutboxEvent).where(OutboxEvent.topic == "notify.email")):
        event.status = "pending" if event.data()["kind"] == kind else "delivered"
        s.add(event)
    s.commit()
    assert deliver_pending_notifications(s, settings).sent == 1
    return sink.messages[-1].message


def invoiced(s: Session, order: Order) -> Invoice:
    """The vendor accepts and fulfils ``order``: its invoice."""
    accept_order(order.number, session=s, actor=VENDOR)
    fulfill_order(order.number, session=s, actor=VENDOR)
    return s.exec(select(Invoice).where(Invoice.order_id == order.id)).one()
