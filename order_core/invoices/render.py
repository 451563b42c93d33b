"""Invoice documents: HTML (Jinja2 + Babel, in the partner's locale, co-branded by its distributor) and CSV."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

from babel.dates import format_date
from babel.numbers import format_currency, format_percent
from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlmodel import Session

from order_core.actors import Actor
from order_core.invoices.services import get_invoice
from order_core.orders.models import Order
from order_core.partners.branding import branding_of
from order_core.partners.models import Partner
from order_core.tx import transactional
from quote_engine.money import round_money

CSV_COLUMNS = (
    "invoice_number", "issued_on", "due_on", "status", "order_number", "line_no", "sku",
    "description", "quantity", "unit_price", "net_amount", "tax_rate", "tax_amount", "currency",
)  # fmt: skip


def _m(value: Decimal, currency: str) -> str:
    return format(round_money(value, currency), "f")


@lru_cache(maxsize=1)
def _env() -> Environment:
    return Environment(
        # The template sits next to this module, so package-data "*.j2" ships it in the wheel.
        loader=FileSystemLoader(Path(__file__).resolve().parent),
        autoescape=select_autoescape(["html", "j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )


@transactional
def render_invoice_html(number: str, *, session: Session, actor: Actor) -> str:
    """The invoice as an HTML page; a distributor's branding (name, colours, logo, footer) when it has one."""
    invoice, lines = get_invoice(number, session=session, actor=actor)
    partner = session.get(Partner, invoice.partner_id)
    order = session.get(Order, invoice.order_id)
    assert partner is not None and order is not None
    locale = partner.locale or "en_US"
    brand = branding_of(session, invoice.distributor_id) if invoice.distributor_id else None

    def money(value: Decimal) -> str:
        return format_currency(value, invoice.currency, locale=locale)

    return (
        _env()
        .get_template("invoice.html.j2")
        .render(
            invoice=invoice,
            order=order,
            partner=partner,
            lines=lines,
            brand=brand,
            money=money,
            percent=lambda rate: format_percent(rate, locale=locale, decimal_quantization=False),
            day=lambda d: format_date(d, format="long", locale=locale),
            lang=locale.split("_")[0],
        )
    )


@transactional
def invoice_csv(number: str, *, session: Session, actor: Actor) -> str:
    """The invoice's lines as CSV text with a header row."""
    invoice, lines = get_invoice(number, session=session, actor=actor)
    order = session.get(Order, invoice.order_id)
    assert order is not None
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for ln in lines:
        writer.writerow(
            [
                invoice.number,
                invoice.issued_on.isoformat(),
                invoice.due_on.isoformat(),
                invoice.status,
                order.number,
                ln.line_no,
                ln.sku,
                ln.description,
                ln.quantity,
                _m(ln.unit_price, invoice.currency),
                _m(ln.net_amount, invoice.currency),
                f"{ln.tax_rate.normalize():f}",
                _m(ln.tax_amount, invoice.currency),
                invoice.currency,
            ]
        )
    return out.getvalue()
