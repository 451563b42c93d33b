"""Quote documents: locale formatting (en_US, de_DE, ja_JP), currency digits, co-branding, escaping."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from pydantic import ValidationError

from quote_engine.documents import (
    CoBranding,
    DocumentLine,
    Party,
    QuoteDocument,
    day,
    money,
    render_quote_html,
)


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
                unit_list=Decimal("1234.5"),
                unit_net=Decimal("1049.33"),
                discount_percent=Decimal("15.00"),
                line_total=Decimal("1259196.00"),
            ),
        ),
        "list_total": Decimal("1481400.00"),
        "net_total": Decimal("1259196.00"),
    }
    base.update(changes)
    return QuoteDocument.model_validate(base)


def test_en_us_money_dates_and_numbers() -> None:
    html = render_quote_html(document())
    assert "$1,259,196.00" in html and "$1,234.50" in html and "1,200" in html
    assert "November 27, 2026" in html and "December 27, 2026" in html
    assert '<html lang="en">' in html and "Q-000042" in html and "v2" in html


def test_de_de_formats_with_comma_decimals_and_euro_after() -> None:
    html = render_quote_html(document(locale="de_DE", currency="EUR"))
    assert "1.259.196,00\xa0€" in html and "1.234,50\xa0€" in html
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
                    unit_list=Decimal("40000"),
                    unit_net=Decimal("34200"),
                    discount_percent=Decimal("14.5"),
                    line_total=Decimal("102600"),
                ),
            ),
            list_total=Decimal("120000"),
            net_total=Decimal("102600"),
        )
    )
    assert "￥102,600" in html and "￥102,600.00" not in html
    assert "2026年11月27日" in html


def test_currency_digits_follow_the_currency() -> None:
    assert money(Decimal("1.5"), "BHD", "en_US") == "BHD1.500"
    assert money(Decimal("1234"), "JPY", "en_US") == "¥1,234"
    assert day(date(2026, 1, 2), "de_DE") == "2. Januar 2026"


def test_co_branding_present() -> None:
    brand = CoBranding(
        display_name="Big Dist",
        logo_url="https://cdn.example.com/logo.png",
        primary_color="#AA0000",
        secondary_color="#EEEEEE",
        footer_text="Distributed by Big Dist",
    )
    html = render_quote_html(document(branding=brand))
    assert 'class="cobrand"' in html and "Big Dist" in html
    assert '<img class="logo" src="https://cdn.example.com/logo.png"' in html
    assert "#AA0000" in html and "#EEEEEE" in html and "Distributed by Big Dist" in html


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
            branding=CoBranding(display_name=evil, footer_text=evil),
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
        ({"branding": {"display_name": "D", "logo_url": "javascript:alert(1)"}}, "https://"),
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
