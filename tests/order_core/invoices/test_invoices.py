"""Invoices on fulfillment: numbering, tax per country / region, due date, credit charge, HTML and CSV."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import timedelta
from decimal import Decimal

import pytest
from pypdf import PdfReader
from sqlmodel import Session, col, select

from order_core.credit.services import credit_ledger, get_credit_status
from order_core.errors import NotFoundError, ValidationFailed
from order_core.fulfillment.services import accept_order, fulfill_order
from order_core.invoices.models import Invoice
from order_core.invoices.render import invoice_csv, render_invoice_html, render_invoice_pdf
from order_core.invoices.services import get_invoice, record_payment
from order_core.orders.checkout import CartItem, place_order
from order_core.orders.models import Order
from order_core.partners.details import set_partner_details
from order_core.partners.models import BrandingProfile, DistributorRelation, Partner
from order_core.settings import get_settings
from order_core.tax import LineTax, RateTableTaxCalculator, TaxableLine, use_tax_calculator
from order_core.types import utcnow
from tests.order_core.orders.world import VENDOR, World

FINANCE = VENDOR.__class__.vendor("fin@vendor.example", "finance")
RATES = RateTableTaxCalculator(
    {"US-CA": Decimal("0.0725"), "US": Decimal("0"), "GB": Decimal("0.2")}
)


def _invoiced(
    session: Session, world: World, lines: list[CartItem], end_customer_id: int | None = None
) -> Order:
    buyer = world.actor(session, world.buyer2)
    order = place_order(
        session=session,
        actor=buyer,
        lines=lines,
        payment_method="credit_line",
        end_customer_id=end_customer_id,
    )
    accept_order(order.number, session=session, actor=VENDOR)
    return fulfill_order(order.number, session=session, actor=VENDOR, tax_calculator=RATES)


def test_totals_tax_by_region_due_date_and_credit_charge(session: Session, world: World) -> None:
    order = _invoiced(
        session, world, [CartItem("LIC-1", 3), CartItem("HW-1", 2)], end_customer_id=world.customer
    )  # Acme is in US-CA
    assert order.status == "invoiced"
    invoice, lines = get_invoice(f"INV-{utcnow().year}-000001", session=session, actor=VENDOR)
    assert [(ln.sku, ln.net_amount, ln.tax_rate, ln.tax_amount) for ln in lines] == [
        ("LIC-1", Decimal("240.00"), Decimal("0.0725"), Decimal("17.40")),
        ("HW-1", Decimal("320.00"), Decimal("0.0725"), Decimal("23.20")),
    ]
    assert (invoice.subtotal, invoice.tax_total, invoice.total) == (
        Decimal("560.00"),
        Decimal("40.60"),
        Decimal("600.60"),
    )
    assert (invoice.tax_country, invoice.tax_region) == ("US", "CA")
    terms = get_settings().invoice_payment_terms_days
    assert (
        invoice.due_on == invoice.issued_on + timedelta(days=terms) and invoice.status == "issued"
    )
    buyer = world.actor(session, world.buyer2)
    status = get_credit_status(world.partner_a, session=session, actor=buyer)
    assert (status.outstanding, status.held) == (Decimal("600.60"), Decimal(0))
    ledger = credit_ledger(world.partner_a, session=session, actor=buyer)
    assert [(e.kind, e.amount) for e in ledger][-1] == ("charge", Decimal("600.60"))
    record_payment(
        invoice.number, Decimal("600.60"), session=session, actor=FINANCE, reference="wire"
    )
    session.refresh(order)
    assert order.status == "paid"
    assert get_credit_status(world.partner_a, session=session, actor=buyer).outstanding == 0
    with pytest.raises(ValidationFailed):
        record_payment(invoice.number, Decimal("1"), session=session, actor=FINANCE)


def test_numbering_is_sequential_and_default_rate_table_from_settings(
    session: Session, world: World
) -> None:
    buyer = world.actor(session, world.buyer2)
    numbers = []
    for _ in range(3):
        order = place_order(
            session=session,
            actor=buyer,
            lines=[CartItem("HW-1", 1)],
            payment_method="credit_line",
            end_customer_id=world.customer_b,
        )  # GB customer
        accept_order(order.number, session=session, actor=VENDOR)
        fulfill_order(order.number, session=session, actor=VENDOR)
    numbers = [i.number for i in session.exec(select(Invoice).order_by(col(Invoice.id)))]
    year = utcnow().year
    assert numbers == [f"INV-{year}-00000{n}" for n in (1, 2, 3)]
    invoice = session.exec(select(Invoice)).first()
    assert invoice is not None and invoice.tax_total == Decimal(
        "32.00"
    )  # GB 20% from the default table


class FlatFee:
    """A custom calculator: 1.00 per line, whatever the place."""

    def tax_lines(
        self, *, country: str, region: str | None, currency: str, lines: Sequence[TaxableLine]
    ) -> list[LineTax]:
        return [LineTax(Decimal(0), Decimal("1.00")) for _ in lines]


def test_pluggable_calculator_and_unknown_place(session: Session, world: World) -> None:
    use_tax_calculator(FlatFee())
    try:
        buyer = world.actor(session, world.buyer2)
        order = place_order(
            session=session,
            actor=buyer,
            lines=[CartItem("HW-1", 1), CartItem("LIC-1", 1)],
            payment_method="credit_line",
        )
        assert order.tax_estimate == Decimal("2.00")
        accept_order(order.number, session=session, actor=VENDOR)
        fulfill_order(order.number, session=session, actor=VENDOR)
        assert session.exec(select(Invoice)).one().tax_total == Decimal("2.00")
    finally:
        use_tax_calculator(None)
    with pytest.raises(ValidationFailed, match="no rate for FR"):
        RateTableTaxCalculator({"US": Decimal(0)}).rate_for("FR", None)


def test_html_is_localised_and_co_branded_and_csv(session: Session, world: World) -> None:
    dist = Partner(name="Disti Co", kind="distributor")
    session.add(dist)
    session.flush()
    assert dist.id is not None
    session.add(DistributorRelation(reseller_id=world.partner_a, distributor_id=dist.id))
    session.add(
        BrandingProfile(
            distributor_id=dist.id,
            display_name="Disti <Co>",
            primary_color="#112233",
            footer_text="Disti Co, 1 Main St",
        )
    )
    session.commit()
    _invoiced(session, world, [CartItem("HW-1", 500)], end_customer_id=world.customer)
    number = session.exec(select(Invoice)).one().number
    html = render_invoice_html(number, session=session, actor=VENDOR)
    assert "Supplied through Disti &lt;Co&gt;" in html and "#112233" in html
    assert "Disti Co, 1 Main St" in html
    assert '<td class="num" id="subtotal">$80,000.00</td>' in html
    assert "7.25%" in html
    rows = list(csv.DictReader(io.StringIO(invoice_csv(number, session=session, actor=VENDOR))))
    assert [(r["sku"], r["quantity"], r["net_amount"], r["tax_amount"]) for r in rows] == [
        ("HW-1", "500", "80000.00", "5800.00")
    ]
    other = world.actor(session, world.buyer_b)
    with pytest.raises(NotFoundError):
        render_invoice_html(number, session=session, actor=other)
    with pytest.raises(NotFoundError):
        invoice_csv(number, session=session, actor=other)


def test_the_pdf_invoice_names_issuer_tax_id_terms_instructions_and_the_full_address(
    session: Session, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CHANNELSYNC_VENDOR_NAME", "Example Software Inc.")
    monkeypatch.setenv("CHANNELSYNC_VENDOR_ADDRESS", "100 Main Street;Springfield, IL 62701")
    monkeypatch.setenv("CHANNELSYNC_VENDOR_TAX_ID", "US 12-3456789")
    monkeypatch.setenv("CHANNELSYNC_INVOICE_PAYMENT_INSTRUCTIONS", "Wire to ACME Bank;Ref: invoice")
    get_settings.cache_clear()
    set_partner_details(
        world.partner_a,
        {"address": "5 Alpha Road", "postal_code": "94105", "city": "San Francisco",
         "region": "CA", "tax_id": "US 98-7654321"},
        session=session,
        actor=VENDOR,
    )  # fmt: skip
    _invoiced(session, world, [CartItem("HW-1", 2)], end_customer_id=world.customer)
    number = session.exec(select(Invoice)).one().number
    pdf = render_invoice_pdf(number, session=session, actor=VENDOR)
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    for shown in (
        number, "Example Software Inc.", "100 Main Street", "Springfield, IL 62701",
        "Tax ID: US 12-3456789", "Alpha Resellers", "5 Alpha Road", "94105 San Francisco CA",
        "US 98-7654321", "net 30 days", "Wire to ACME Bank", "Ref: invoice", "$320.00",
    ):  # fmt: skip
        assert shown in text, shown
