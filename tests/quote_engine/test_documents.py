"""Quote and invoice documents: locale formatting (en_US, de_DE, ja_JP), currency digits, brands,
embedded logos only, escaping, PDF."""

from __future__ import annotations

import io
import threading
from datetime import date
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from pydantic import ValidationError
from pypdf import PdfReader

from quote_engine.documents import (
    Brand,
    DocumentLine,
    Party,
    QuoteDocument,
    day,
    html_to_pdf,
    money,
    render_quote_html,
)
from quote_engine.documents.images import logo_data_uri


def document(**changes: object) -> QuoteDocument:
    base: dict[str, object] = {
        "number": "Q-000042",
        "version": 2,
        "issued_on": date(2026, 11, 27),
        "valid_until": date(2026, 12, 27),
        "locale": "en_US",
        "currency": "USD",
        "seller": Party(name="Acme Resale"),
        "customer": Party(name="Widgets Inc", address_lines=("1 Main St", "Austin")),
        "lines": (
            DocumentLine(
                line_no=1,
                sku="SW-100",
                name="Suite",
                quantity=1200,
                unit_price=Decimal("1234.5"),
                line_total=Decimal("1481400.00"),
            ),
        ),
        "total": Decimal("1481400.00"),
    }
    base.update(changes)
    return QuoteDocument.model_validate(base)


def test_en_us_money_dates_and_numbers() -> None:
    html = render_quote_html(document())
    assert "$1,481,400.00" in html and "$1,234.50" in html and "1,200" in html
    assert "November 27, 2026" in html and "December 27, 2026" in html
    assert '<html lang="en">' in html and "Q-000042" in html and "v2" in html


def test_de_de_formats_with_comma_decimals_and_euro_after() -> None:
    html = render_quote_html(document(locale="de_DE", currency="EUR"))
    assert "1.481.400,00\xa0€" in html and "1.234,50\xa0€" in html
    assert "27. November 2026" in html and '<html lang="de">' in html


def test_ja_jp_yen_has_no_decimals() -> None:
    html = render_quote_html(
        document(
            locale="ja_JP",
            currency="JPY",
            lines=(
                DocumentLine(
                    line_no=1,
                    sku="HW-200",
                    quantity=3,
                    unit_price=Decimal("34200"),
                    line_total=Decimal("102600"),
                ),
            ),
            total=Decimal("102600"),
        )
    )
    assert "￥102,600" in html and "￥102,600.00" not in html
    assert "2026年11月27日" in html


def test_currency_digits_follow_the_currency() -> None:
    assert money(Decimal("1.5"), "BHD", "en_US") == "BHD1.500"
    assert money(Decimal("1234"), "JPY", "en_US") == "¥1,234"
    assert day(date(2026, 1, 2), "de_DE") == "2. Januar 2026"


LOGO = logo_data_uri(b'<svg xmlns="http://www.w3.org/2000/svg" width="8" height="8"/>')


def test_co_branding_present_with_an_embedded_logo() -> None:
    brand = Brand(
        display_name="Big Dist",
        logo=LOGO,
        primary_color="#AA0000",
        secondary_color="#EEEEEE",
        footer_text="Distributed by Big Dist",
    )
    html = render_quote_html(document(branding=brand))
    assert 'class="cobrand"' in html and "Big Dist" in html
    assert f'<img class="logo" src="{LOGO}"' in html and LOGO.startswith("data:image/svg+xml;")
    assert "#AA0000" in html and "#EEEEEE" in html and "Distributed by Big Dist" in html


def test_the_sellers_brand_heads_the_document_and_its_name_stands_in_for_a_logo() -> None:
    html = render_quote_html(
        document(brand=Brand(display_name="Acme Resale", primary_color="#123456"))
    )
    assert '<span class="brand-name">Acme Resale</span>' in html and "#123456" in html
    assert "<img" not in html


def test_co_branding_absent() -> None:
    html = render_quote_html(document())
    assert "cobrand" not in html.replace(".cobrand", "") and "<img" not in html
    assert "#1F3A93" in html


def test_everything_user_supplied_is_escaped() -> None:
    evil = "<script>alert(1)</script>"
    html = render_quote_html(
        document(
            seller=Party(name=evil),
            customer=Party(name='"><img src=x onerror=alert(1)>'),
            notes=evil,
            branding=Brand(display_name=evil, footer_text=evil),
            acceptance_url='https://q.example.com/accept?a=1&token=x"y',
        )
    )
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "<img src=x" not in html
    assert "token=x&#34;y" in html and "a=1&amp;token" in html


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"branding": {"display_name": "D", "primary_color": "red;}body{x"}}, "hex colour"),
        ({"branding": {"display_name": "D", "logo": "https://cdn.example.com/x.png"}}, "not a URL"),
        ({"brand": {"display_name": "D", "logo": "data:text/html;base64,PHA+"}}, "not a URL"),
        ({"acceptance_url": "javascript:alert(1)"}, "https://"),
        ({"locale": "xx_YY"}, "locale 'xx_YY' is unknown"),
        ({"currency": "ABC"}, "ABC"),
        ({"lines": ()}, "at least 1"),
    ],
)
def test_bad_document_input_is_refused(changes: dict[str, object], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        document(**changes)


def test_rendering_is_pure() -> None:
    assert render_quote_html(document()) == render_quote_html(document())


def test_logos_are_sniffed_and_refused_when_not_images() -> None:
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 16
    assert logo_data_uri(png).startswith("data:image/png;base64,iVBORw0KGgo")
    with pytest.raises(ValueError, match="not a PNG, JPEG, GIF or SVG"):
        logo_data_uri(b"<html>nope</html>")
    with pytest.raises(ValueError, match="at most"):
        logo_data_uri(png + b"\x00" * 300_000)


def test_the_pdf_holds_the_document_text_and_fetches_nothing() -> None:
    requests: list[str] = []

    class Counting(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            requests.append(self.path)
            self.send_response(404)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Counting)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        brand = Brand(display_name="Big Dist", logo=LOGO)
        html = render_quote_html(document(branding=brand))
        # A URL slipped into the HTML is refused unfetched: the PDF renders without it.
        url = f"http://127.0.0.1:{server.server_port}/logo.png"
        pdf = html_to_pdf(html.replace("</body>", f'<img src="{url}" alt=""></body>'))
    finally:
        server.shutdown()
        server.server_close()
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert pdf.startswith(b"%PDF-") and "Q-000042" in text and "$1,481,400.00" in text
    assert requests == []
