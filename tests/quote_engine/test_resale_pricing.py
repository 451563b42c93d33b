"""Resale pricing (pure): the price book's rules, rounding per currency, a program's cap and floor,
and the reseller's margin = resale - buy per line and in total, hand-computed in USD, EUR and JPY."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from pydantic import ValidationError

from quote_engine.pricing import price_cart
from quote_engine.resale import (
    ResaleLimits,
    ResaleMethod,
    ResalePriceBook,
    ResaleRule,
    price_resale,
)
from quote_engine.types import (
    BuyPriceRule,
    CartLine,
    Catalog,
    HeaderDiscount,
    PartnerContext,
    PricingRequest,
    PricingResult,
    ProductInfo,
)

D = Decimal
TODAY = date(2026, 11, 27)
CATALOG = Catalog(
    products=(
        ProductInfo(
            sku="APP", category="software", list_prices={"USD": D("99.99"), "EUR": D("89.90"), "JPY": D("12800")}
        ),
        ProductInfo(
            sku="BOX", category="hardware", list_prices={"USD": D("450.00"), "EUR": D("415.00"), "JPY": D("61000")}
        ),
        ProductInfo(
            sku="CARE", category="services", list_prices={"USD": D("120.00"), "EUR": D("110.00"), "JPY": D("15500")}
        ),
    ),
    buy_price_rules=(BuyPriceRule(percent_off=D("30")),),
)  # fmt: skip
CATEGORIES = {p.sku: p.category for p in CATALOG.products}
BOOK = ResalePriceBook(
    rules=(
        ResaleRule(category="software", method=ResaleMethod.MARKUP, percent=D("25")),
        ResaleRule(sku="BOX", method=ResaleMethod.DISCOUNT, percent=D("8")),
        ResaleRule(method=ResaleMethod.LIST),
    ),
    rounding={"JPY": D("10")},
)


def _priced(currency: str, header: HeaderDiscount | None = None) -> PricingResult:
    request = PricingRequest(
        catalog=CATALOG,
        partner=PartnerContext(partner_id="R1", currency=currency),
        lines=(
            CartLine(sku="APP", quantity=3),
            CartLine(sku="BOX", quantity=2),
            CartLine(sku="CARE", quantity=1),
        ),
        header_discount=header,
    )
    return price_cart(request, today=TODAY)


@pytest.mark.parametrize(
    ("currency", "lines", "totals"),
    [
        (
            "USD",
            # APP: buy 99.99 x 0.7 = 69.993 -> 69.99; x 1.25 = 87.4875 -> 87.49; x 3 = 262.47
            # BOX: buy 315.00; 450.00 x 0.92 = 414.00; CARE: buy 84.00, list 120.00
            [("209.97", "87.49", "262.47", "52.50"), ("630.00", "414.00", "828.00", "198.00"),
             ("84.00", "120.00", "120.00", "36.00")],
            ("923.97", "1210.47", "286.50"),
        ),
        (
            "EUR",
            # APP: 89.90 x 0.7 = 62.93; x 1.25 = 78.6625 -> 78.66; BOX: 415 x 0.92 = 381.80
            [("188.79", "78.66", "235.98", "47.19"), ("581.00", "381.80", "763.60", "182.60"),
             ("77.00", "110.00", "110.00", "33.00")],
            ("846.79", "1109.58", "262.79"),
        ),
        (
            "JPY",
            # APP: 12800 x 0.7 = 8960; x 1.25 = 11200; BOX: 61000 x 0.92 = 56120; step 10 JPY
            [("26880", "11200", "33600", "6720"), ("85400", "56120", "112240", "26840"),
             ("10850", "15500", "15500", "4650")],
            ("123130", "161340", "38210"),
        ),
    ],
)  # fmt: skip
def test_margin_per_line_and_in_total_in_three_currencies(
    currency: str, lines: list[tuple[str, str, str, str]], totals: tuple[str, str, str]
) -> None:
    result = price_resale(_priced(currency), CATEGORIES, BOOK)
    got = [(ln.buy_total, ln.unit_resale, ln.resale_total, ln.margin) for ln in result.lines]
    assert got == [tuple(D(v) for v in line) for line in lines]
    t = result.totals
    assert (t.buy_total, t.resale_total, t.margin) == tuple(D(v) for v in totals)
    assert t.margin == sum((ln.margin for ln in result.lines), D(0))
    assert [ln.basis for ln in result.lines] == [
        "markup 25% on buy (category software)",
        "discount 8% off list (sku BOX)",
        "list price (every product)",
    ]


def test_markup_is_on_what_the_reseller_pays_header_discount_included() -> None:
    # Buy: APP 209.97, BOX 630.00, CARE 84.00 (net 923.97); 10 % header = 92.40 spread pro rata:
    # APP 21.00 -> line total 188.97, unit buy 62.99; x 1.25 = 78.7375 -> 78.74.
    result = price_resale(_priced("USD", HeaderDiscount(percent=D("10"))), CATEGORIES, BOOK)
    app = result.lines[0]
    assert (app.buy_total, app.unit_resale, app.resale_total) == (
        D("188.97"),
        D("78.74"),
        D("236.22"),
    )


def test_rounding_steps_half_up_and_the_default_is_the_minor_unit() -> None:
    book = ResalePriceBook(rules=(ResaleRule(method=ResaleMethod.LIST),), rounding={"USD": D("5")})
    result = price_resale(_priced("USD"), CATEGORIES, book)
    # 99.99 -> 100.00; 450.00 stays; 120.00 stays (multiples of 5, half-up)
    assert [ln.unit_resale for ln in result.lines] == [D("100.00"), D("450.00"), D("120.00")]
    plain = price_resale(_priced("USD"), CATEGORIES, ResalePriceBook())
    assert [ln.unit_resale for ln in plain.lines] == [D("99.99"), D("450.00"), D("120.00")]


def test_a_programs_cap_and_floor_in_percent_of_list() -> None:
    with pytest.raises(ValidationError, match="above max_percent_of_list"):
        ResaleLimits(max_percent_of_list=D("85"), min_percent_of_list=D("93"))
    limits = ResaleLimits(
        max_percent_of_list=D("90"), min_percent_of_list=D("70"), source="program P"
    )
    book = ResalePriceBook(
        rules=(
            ResaleRule(sku="APP", method=ResaleMethod.MARKUP, percent=D("400")),
            ResaleRule(sku="BOX", method=ResaleMethod.DISCOUNT, percent=D("50")),
        )
    )
    result = price_resale(_priced("USD"), CATEGORIES, book, limits)
    # APP: 69.99 x 5 far above 90 % of 99.99 = 89.991 -> rounded down 89.99.
    # BOX: 225.00 below 70 % of 450.00 = 315.00. CARE: list 120.00 above 108.00 -> 108.00.
    assert [(ln.unit_resale, ln.limited) for ln in result.lines] == [
        (D("89.99"), "cap"),
        (D("315.00"), "floor"),
        (D("108.00"), "cap"),
    ]
    assert (
        result.lines[1].basis
        == "discount 50% off list (sku BOX); raised to 70% of list by program P"
    )


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"rules": [{"method": "markup"}]}, "needs a percent"),
        ({"rules": [{"method": "list", "percent": "5"}]}, "takes no percent"),
        ({"rules": [{"method": "discount", "percent": "101"}]}, "at most 100"),
        ({"rules": [{"sku": "A", "category": "b", "method": "list"}]}, "not both"),
        ({"rules": [{"sku": "A", "method": "list"}, {"sku": "A", "method": "list"}]}, "sku A"),
        ({"rounding": {"JPY": "0.5"}}, "multiple of 1"),
        ({"rounding": {"XXX": "1"}}, "not a supported"),
        ({"rules": [{"method": "gift"}]}, "method"),
    ],
)
def test_bad_price_books_are_refused(data: dict[str, object], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        ResalePriceBook.model_validate(data)
