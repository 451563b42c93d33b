"""Two prices on every channel quote: the reseller's price book sets the end customer's price.

Figures are hand-computed from the quote world (conftest): Gold buys 10 % off list and 5 % off
through its distributor. SW-100 (software) lists at USD 1,000.00 / EUR 920.00 / JPY 150,000;
HW-200 (hardware) at USD 250.50 / EUR 230.90 / JPY 40,000. The price book: software at buy +
20 %, HW-200 at 4 % off list, everything else at list; EUR rounds to whole euros, JPY to 100.
"""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from pypdf import PdfReader
from sqlmodel import col, select

from order_core.actors import Actor
from order_core.catalog.models import ListPrice, Product
from order_core.catalog.resale_prices import (
    remove_resale_price,
    resale_price_book,
    set_resale_price,
    set_resale_rounding,
)
from order_core.errors import AccessDenied, ConflictError, NotFoundError, ValidationFailed
from order_core.orders.models import Order, OrderLine
from order_core.partners.models import Program
from order_core.partners.resale_limits import set_resale_limits
from order_core.pricing_inputs.builder import QuoteLineInput
from order_core.quotes.acceptance import accept_quote
from order_core.quotes.approvals import submit_quote
from order_core.quotes.customer_link import LinkState, customer_quote, customer_quote_pdf
from order_core.quotes.margin import reseller_quote_view
from order_core.quotes.models import Quote, QuoteAcceptance
from order_core.quotes.resale_invoice import customer_invoice_html, customer_invoice_pdf
from order_core.quotes.sending import SentQuote, render_quote_document, send_quote
from order_core.quotes.services import create_quote
from tests.order_core.quotes.conftest import World

D = Decimal
LINK = Actor.system("acceptance-link")
CART = [QuoteLineInput("SW-100", 2), QuoteLineInput("HW-200", 3)]

# (currency, [(buy total, unit resale, resale total, margin) per line], totals (buy, resale, margin))
EXPECTED = {
    "USD": (
        [
            # 1000 x 0.9 x 0.95 = 855.00 buy; x 1.20 = 1026.00
            (D("1710.00"), D("1026.00"), D("2052.00"), D("342.00")),
            # 250.50 x 0.9 x 0.95 = 214.1775 -> 214.18 buy; 250.50 x 0.96 = 240.48
            (D("642.54"), D("240.48"), D("721.44"), D("78.90")),
        ],
        (D("2352.54"), D("2773.44"), D("420.90")),
    ),
    "EUR": (
        [
            # 920 x 0.9 x 0.95 = 786.60 buy; x 1.20 = 943.92 -> 944 (whole euros)
            (D("1573.20"), D("944.00"), D("1888.00"), D("314.80")),
            # 230.90 x 0.9 x 0.95 = 197.4195 -> 197.42 buy; 230.90 x 0.96 = 221.664 -> 222
            (D("592.26"), D("222.00"), D("666.00"), D("73.74")),
        ],
        (D("2165.46"), D("2554.00"), D("388.54")),
    ),
    "JPY": (
        [
            # 150000 x 0.9 x 0.95 = 128250 buy; x 1.20 = 153900 (a multiple of 100)
            (D("256500"), D("153900"), D("307800"), D("51300")),
            # 40000 x 0.9 x 0.95 = 34200 buy; 40000 x 0.96 = 38400
            (D("102600"), D("38400"), D("115200"), D("12600")),
        ],
        (D("359100"), D("423000"), D("63900")),
    ),
}
BUY_FIGURES_USD = ("855.00", "1,710.00", "214.18", "642.54", "2,352.54")


@pytest.fixture
def priced_world(world: World) -> World:
    """The quote world with EUR list prices and the reseller's price book."""
    s = world.session
    for sku, eur in (("SW-100", "920.00"), ("HW-200", "230.90")):
        product = s.exec(select(Product).where(Product.sku == sku)).one()
        assert product.id is not None
        s.add(ListPrice(product_id=product.id, currency="EUR", amount=D(eur)))
    s.commit()
    set_resale_price(world.reseller, scope="category", value="software", method="markup", percent=D("20"), session=s, actor=world.admin)  # fmt: skip
    set_resale_price(world.reseller, scope="sku", value="HW-200", method="discount", percent=D("4"), session=s, actor=world.admin)  # fmt: skip
    set_resale_price(world.reseller, scope="all", method="list", session=s, actor=world.admin)
    set_resale_rounding(world.reseller, "EUR", D("1"), session=s, actor=world.admin)
    set_resale_rounding(world.reseller, "JPY", D("100"), session=s, actor=world.admin)
    return world


def _quote(world: World, currency: str) -> Quote:
    return create_quote(
        world.reseller,
        CART,
        session=world.session,
        actor=world.sales,
        end_customer_id=world.customer,
        currency=currency,
    )


def _sent(world: World, currency: str = "USD") -> SentQuote:
    quote = _quote(world, currency)
    submit_quote(quote.id or 0, session=world.session, actor=world.sales)
    return send_quote(quote.id or 0, session=world.session, actor=world.sales)


@pytest.mark.parametrize("currency", ["USD", "EUR", "JPY"])
def test_margin_is_resale_minus_buy_per_line_and_in_total(
    priced_world: World, currency: str
) -> None:
    lines, (buy, resale, margin) = EXPECTED[currency]
    quote = _quote(priced_world, currency)
    view = reseller_quote_view(
        quote.id or 0, session=priced_world.session, actor=priced_world.sales
    )
    got = [(ln.buy_total, ln.unit_resale, ln.resale_total, ln.margin) for ln in view.lines]
    assert got == lines
    assert all(ln.margin == ln.resale_total - ln.buy_total for ln in view.lines)
    assert (view.buy_total, view.resale_total, view.margin) == (buy, resale, margin)
    assert (quote.net_total, quote.resale_total, quote.reseller_margin) == (buy, resale, margin)
    assert [ln.basis for ln in view.lines] == [
        "markup 20% on buy (category software)",
        "discount 4% off list (sku HW-200)",
    ]
    if currency == "JPY":  # no decimals on the yen side
        assert all(ln.unit_resale == ln.unit_resale.to_integral() for ln in view.lines)


def test_the_resellers_own_buyer_sees_both_prices_another_partner_sees_nothing(
    priced_world: World,
) -> None:
    quote = _quote(priced_world, "USD")
    bob = priced_world.actor(priced_world.buyer)
    view = reseller_quote_view(quote.id or 0, session=priced_world.session, actor=bob)
    assert (view.buy_total, view.resale_total) == (D("2352.54"), D("2773.44"))
    with pytest.raises(NotFoundError):
        reseller_quote_view(
            quote.id or 0,
            session=priced_world.session,
            actor=priced_world.actor(priced_world.other_buyer),
        )


def test_a_customer_never_sees_a_buy_price(priced_world: World) -> None:
    sent = _sent(priced_world)
    s = priced_world.session
    html = render_quote_document(sent.quote.id or 0, session=s, actor=priced_world.sales)
    pdf = customer_quote_pdf(sent.quote.number, 1, sent.token, session=s, actor=LINK)
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    view = customer_quote(sent.quote.number, 1, sent.token, session=s, actor=LINK)
    shown = view.document.model_dump_json()
    for figure in BUY_FIGURES_USD:
        assert figure not in html and figure not in text
        assert figure.replace(",", "") not in shown
    for resale in ("$2,052.00", "$721.44", "$2,773.44", "$240.48"):
        assert resale in html and resale in text
    assert view.state is LinkState.OPEN and view.document.total == D("2773.44")
    assert [(ln.unit_price, ln.line_total) for ln in view.document.lines] == [
        (D("1026.00"), D("2052.00")),
        (D("240.48"), D("721.44")),
    ]
    payload = priced_world.events("notify.email")[-1]
    assert payload["kind"] == "quote_sent" and "net_total" not in payload
    assert not any(f.replace(",", "") in str(payload) for f in BUY_FIGURES_USD)


def test_acceptance_orders_at_buy_price_and_keeps_the_resale_figures(priced_world: World) -> None:
    sent = _sent(priced_world)
    s = priced_world.session
    quote = accept_quote(
        sent.quote.number,
        1,
        sent.token,
        "Wanda Widget",
        email="Wanda@Widgets.test",
        po_number="PO-77",
        session=s,
        actor=LINK,
        payment_method="purchase_order",
    )
    order = s.get(Order, quote.order_id)
    assert order is not None and order.net_total == D("2352.54") and order.po_number == "PO-77"
    order_lines = s.exec(
        select(OrderLine).where(OrderLine.order_id == order.id).order_by(col(OrderLine.line_no))
    ).all()
    assert [ln.line_total for ln in order_lines] == [D("1710.00"), D("642.54")]
    record = s.exec(select(QuoteAcceptance).where(QuoteAcceptance.quote_id == quote.id)).one()
    assert (record.name, record.email, record.po_number) == (
        "Wanda Widget",
        "wanda@widgets.test",
        "PO-77",
    )
    assert (record.subtotal, record.tax_total, record.total) == (D("2773.44"), D(0), D("2773.44"))
    assert record.order_id == order.id and record.invoice_number.startswith(
        f"R{priced_world.reseller}-"
    )
    html = customer_invoice_html(quote.number, 1, sent.token, session=s, actor=LINK)
    pdf = customer_invoice_pdf(quote.number, 1, sent.token, session=s, actor=LINK)
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    for page in (html, text):
        assert record.invoice_number in page and "$2,773.44" in page and "PO-77" in page
        assert not any(figure in page for figure in BUY_FIGURES_USD)
    view = customer_quote(quote.number, 1, sent.token, session=s, actor=LINK)
    assert view.state is LinkState.ACCEPTED and "already accepted" in view.message
    assert view.acceptance is not None and view.acceptance.invoice_number == record.invoice_number
    note = priced_world.events("notify.email")[-1]
    assert note["kind"] == "quote_accepted" and note["reseller_margin"] == "420.90"


def test_no_invoice_before_acceptance_and_bad_acceptance_input(priced_world: World) -> None:
    sent = _sent(priced_world)
    s = priced_world.session
    with pytest.raises(ConflictError, match="is not accepted: it has no invoice yet"):
        customer_invoice_pdf(sent.quote.number, 1, sent.token, session=s, actor=LINK)
    with pytest.raises(ValidationFailed, match="is not an e-mail address"):
        accept_quote(sent.quote.number, 1, sent.token, "W", email="nope", session=s, actor=LINK)
    with pytest.raises(ValidationFailed, match="give the name"):
        accept_quote(sent.quote.number, 1, sent.token, "  ", session=s, actor=LINK)
    with pytest.raises(NotFoundError, match="acceptance link is not valid"):
        customer_quote(sent.quote.number, 1, sent.token + "x", session=s, actor=LINK)


def test_a_programs_cap_and_floor_bound_the_resale_price(priced_world: World) -> None:
    s = priced_world.session
    program = s.exec(select(Program).where(Program.code == "GOLD")).one()
    set_resale_limits(
        program.id or 0,
        session=s,
        actor=priced_world.admin,
        max_percent_of_list=D("102"),
        min_percent_of_list=D("97"),
    )
    view = reseller_quote_view(
        _quote(priced_world, "USD").id or 0, session=s, actor=priced_world.sales
    )
    # SW-100: 1026.00 above 102 % of 1000.00 -> 1020.00; HW-200: 240.48 below 97 % of 250.50
    # (242.985, rounded up) -> 242.99.
    assert [(ln.unit_resale, ln.resale_total) for ln in view.lines] == [
        (D("1020.00"), D("2040.00")),
        (D("242.99"), D("728.97")),
    ]
    assert view.lines[0].basis.endswith("capped at 102% of list by program GOLD")
    assert view.lines[1].basis.endswith("raised to 97% of list by program GOLD")
    with pytest.raises(ValidationFailed, match="above max_percent_of_list"):
        set_resale_limits(
            program.id or 0,
            session=s,
            actor=priced_world.admin,
            max_percent_of_list=D("90"),
            min_percent_of_list=D("95"),
        )


def test_price_book_services_check_who_and_what(priced_world: World) -> None:
    s, reseller = priced_world.session, priced_world.reseller
    bob = priced_world.actor(priced_world.buyer)  # a buyer, not the reseller's admin
    with pytest.raises(AccessDenied, match="partner role 'admin'"):
        set_resale_price(reseller, scope="all", method="list", session=s, actor=bob)
    with pytest.raises(NotFoundError):
        set_resale_price(
            reseller, scope="all", method="list", session=s,
            actor=priced_world.actor(priced_world.other_buyer),
        )  # fmt: skip
    admin = priced_world.admin
    with pytest.raises(ValidationFailed, match="'XX-1' is not a sku of the catalog"):
        set_resale_price(reseller, scope="sku", value="XX-1", method="list", session=s, actor=admin)
    with pytest.raises(ValidationFailed, match="needs a percent"):
        set_resale_price(reseller, scope="all", method="markup", session=s, actor=admin)
    with pytest.raises(ValidationFailed, match="at most 100 percent"):
        set_resale_price(
            reseller, scope="all", method="discount", percent=D("120"), session=s, actor=admin
        )
    with pytest.raises(ValidationFailed, match="only resellers"):
        set_resale_price(
            priced_world.distributor, scope="all", method="list", session=s, actor=admin
        )
    with pytest.raises(ValidationFailed, match="more decimals than JPY"):
        set_resale_rounding(reseller, "JPY", D("0.5"), session=s, actor=admin)
    remove_resale_price(reseller, scope="sku", value="HW-200", session=s, actor=admin)
    entries, steps = resale_price_book(reseller, session=s, actor=bob)
    assert sorted((e.scope, e.value, e.method) for e in entries) == [
        ("all", "", "list"),
        ("category", "software", "markup"),
    ]
    assert [(st.currency, st.step) for st in steps] == [("EUR", D("1")), ("JPY", D("100"))]
    quote = _quote(priced_world, "USD")  # HW-200 falls back to the default rule: list price
    view = reseller_quote_view(quote.id or 0, session=s, actor=priced_world.sales)
    assert view.lines[1].unit_resale == D("250.50")
