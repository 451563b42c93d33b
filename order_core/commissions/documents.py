"""A partner's statement as CSV (one row per ledger line, then totals) and as co-branded HTML.

The co-branding is that of the distributor the statement's orders went through (each order keeps
its own, as its invoice does), never the reseller's default distributor of the day it is rendered:
one distributor for every line co-brands the whole statement; lines through several (or some
direct) carry no band and each line names its distributor instead (a direct line none).
"""

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
from quote_engine.documents import money
from quote_engine.money import round_money

# New columns go at the end: consumers read the others by position.
CSV_COLUMNS = ("period", "currency", "order", "program", "kind", "base", "amount", "distributor")


def statement_distributor(statements: Sequence[Statement]) -> int | None:
    """The one distributor every line of the statements went through, or None (lines through
    several, or a direct line, or no lines)."""
    through = {line.distributor_id for s in statements for line in s.lines}
    return through.pop() if len(through) == 1 else None


def statement_csv(statements: Sequence[Statement]) -> str:
    """The statements as CSV: a row per line (amounts to the cent, the distributor last), then
    accrued, clawed back, total."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for s in statements:

        def cents(value: Decimal, currency: str = s.currency) -> str:
            return format(round_money(value, currency), "f")

        for line in s.lines:
            writer.writerow([s.period, s.currency, line.order, line.program, line.kind, cents(line.base), cents(line.amount), line.distributor])  # fmt: skip
        for label, value in (
            ("accrued", s.accrued),
            ("clawed_back", s.clawed_back),
            ("total", s.total),
        ):
            writer.writerow([s.period, s.currency, "", "", label, "", cents(value), ""])
    return out.getvalue()


@lru_cache(maxsize=1)
def _environment() -> Environment:
    return Environment(
        loader=PackageLoader("order_core.commissions", "templates"),
        autoescape=select_autoescape(enabled_extensions=("html.j2",), default=True),
        undefined=StrictUndefined,
    )


def statement_html(session: Session, statements: Sequence[Statement]) -> str:
    """The statements as HTML under the partner's brand, co-branded by the one distributor their
    orders went through; lines through several distributors each name theirs instead."""
    first = statements[0]
    partner = session.get(Partner, first.partner_id)
    through = statement_distributor(statements)
    brand = partner_brand(session, first.partner_id)
    # a distributor's own statement (its commission on its resellers' orders) is not co-branded by itself
    cobrand = partner_brand(session, through) if through not in (None, first.partner_id) else None
    mixed = len({line.distributor_id for s in statements for line in s.lines}) > 1
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
            per_line=mixed,
            colour=shown.primary_color if shown is not None else "#1F3A93",
            money=lambda amount, currency: money(round_money(amount, currency), currency, locale),
        )
    )
