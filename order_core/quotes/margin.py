"""The reseller's view of a quote: buy and resale price of every line, and its margin."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlmodel import Session

from order_core.actors import Actor
from order_core.quotes.access import load_quote
from order_core.quotes.document import quote_lines_of
from order_core.tx import transactional

_PCT = Decimal("0.01")


def _percent(margin: Decimal, resale: Decimal) -> Decimal | None:
    return (margin * 100 / resale).quantize(_PCT) if resale else None


@dataclass(frozen=True)
class MarginLine:
    """One line: what the reseller pays (buy) and charges (resale); margin = resale - buy."""

    line_no: int
    sku: str
    name: str
    quantity: int
    buy_total: Decimal
    unit_resale: Decimal
    resale_total: Decimal
    margin: Decimal
    margin_percent: Decimal | None
    basis: str


@dataclass(frozen=True)
class ResellerQuoteView:
    """The reseller's figures of one quote version, per line and in total."""

    number: str
    version: int
    currency: str
    lines: tuple[MarginLine, ...]
    buy_total: Decimal
    resale_total: Decimal
    margin: Decimal
    margin_percent: Decimal | None


@transactional
def reseller_quote_view(quote_id: int, *, session: Session, actor: Actor) -> ResellerQuoteView:
    """Buy price, resale price and margin per line and in total (the reseller's and the vendor's view)."""
    quote = load_quote(session, actor, quote_id)
    lines = tuple(
        MarginLine(
            line_no=r.line_no,
            sku=r.sku,
            name=r.name,
            quantity=r.quantity,
            buy_total=r.line_total,
            unit_resale=r.unit_resale,
            resale_total=r.resale_total,
            margin=r.resale_total - r.line_total,
            margin_percent=_percent(r.resale_total - r.line_total, r.resale_total),
            basis=r.resale_basis,
        )
        for r in quote_lines_of(session, quote)
    )
    return ResellerQuoteView(
        number=quote.number,
        version=quote.version,
        currency=quote.currency,
        lines=lines,
        buy_total=quote.net_total,
        resale_total=quote.resale_total,
        margin=quote.reseller_margin,
        margin_percent=_percent(quote.reseller_margin, quote.resale_total),
    )
