"""A partner's statement as CSV (one row per ledger line, then totals) and as co-branded HTML."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from decimal import Decimal
from functools import lru_cache

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from sqlmodel import Session

from order_core.commissions.services import Statement
from order_core.partners.documents import partner_brand
from order_core.partners.models import Partner
from order_core.pricing_inputs.catalog_inputs import default_distributor
from order_core.types import utcnow
from quote_engine.documents import money
from quote_engine.money import round_money


def statement_csv(statements: Sequence[Statement]) -> str:
    """The statements as CSV: a row per line (amounts to the cent), then accrued, clawed back, total."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["period", "currency", "order", "program", "kind", "base", "amount"])
    for s in statements:

        def cents(value: Decimal, currency: str = s.currency) -> str:
            return format(round_money(value, currency), "f")

        for line in s.lines:
            writer.writerow([s.period, s.currency, line.order, line.program, line.kind, cents(line.base), cents(line.amount)])  # fmt: skip
        for label, value in (
            ("accrued", s.accrued),
            ("clawed_back", s.clawed_back),
            ("total", s.total),
        ):
            writer.writerow([s.period, s.currency, "", "", label, "", cents(value)])
    return out.getvalue()


@lru_cache(maxsize=1)
def _environment() -> Environment:
    return Environment(
        loader=PackageLoader("order_core.commissions", "templates"),
        autoescape=select_autoescape(enabled_extensions=("html.j2",), default=True),
        undefined=StrictUndefined,
    )


def statement_html(session: Session, statements: Sequence[Statement]) -> str:
    """The statements as HTML under the partner's brand, co-branded by the distributor it buys through."""
    first = statements[0]
    partner = session.get(Partner, first.partner_id)
    relation = default_distributor(session, first.partner_id, utcnow().date())
    brand = partner_brand(session, first.partner_id)
    cobrand = partner_brand(session, relation.distributor_id) if relation is not None else None
    locale = partner.locale if partner is not None else "en_US"
    shown = cobrand or brand
    return (
        _environment()
        .get_template("statement.html.j2")
        .render(
            partner=partner.name if partner is not None else str(first.partner_id),
            period=first.period,
            state=first.state,
            statements=statements,
            brand=brand,
            cobrand=cobrand,
            colour=shown.primary_color if shown is not None else "#1F3A93",
            money=lambda amount, currency: money(round_money(amount, currency), currency, locale),
        )
    )
