"""What the push sends, read from the core in one short transaction: quotes, deal summaries, orders.

A push sends the current state of each record an event names (several events of one record in a
batch send it once), as plain values: the connector maps them to CRM fields with the mapping
file's ``push:`` section. Nothing here knows a CRM.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel import Session, col, select

from order_core.bulk_sql import one_of
from order_core.deals.models import Deal
from order_core.orders.models import Order, OrderLine, OrderStatusChange
from order_core.partners.models import PartnerCrmRef
from order_core.quotes.document_links import document_link
from order_core.quotes.from_deals import approval_state
from order_core.quotes.models import DealQuoteRequest, Quote, QuoteLine
from order_core.sync.models import SyncRecord

Values = dict[str, object]


@dataclass(frozen=True)
class LineSnap:
    """One quote or order line: its external key and its values (sku, name, quantity, prices)."""

    key: str
    sku: str
    values: Values


@dataclass(frozen=True)
class QuoteSnap:
    """One quote version on its CRM deal, its lines, and the earlier versions' keys and states."""

    quote_id: int
    key: str
    deal_crm_id: str | None
    values: Values
    lines: tuple[LineSnap, ...]
    earlier: tuple[tuple[str, Values], ...] = ()


@dataclass(frozen=True)
class DealSummary:
    """The quote summary written on a CRM deal: its latest quote, or why there is none.

    ``request_pending``: the core holds the deal's quote-requested flag on (a request pulled and
    not yet acknowledged by the push); ``request_stamp``: the CRM stamp of the latest request the
    core handled, which the push compares with the deal's stamp in the CRM before clearing the flag.
    """

    deal_id: int
    deal_crm_id: str
    values: Values
    request_pending: bool = False
    request_stamp: datetime | None = None


@dataclass(frozen=True)
class OrderSnap:
    """One order for one connection: the partner's (and deal's) CRM ids there, lines, history."""

    number: str
    partner_id: int
    partner_crm_id: str | None
    deal_crm_id: str | None
    values: Values
    lines: tuple[LineSnap, ...] = field(default=())


def quote_key(number: str, version: int) -> str:
    """The external id of a quote version in a CRM (``Q-000001-v2``)."""
    return f"{number}-v{version}"


def _quote_values(q: Quote) -> Values:
    return {
        "title": f"{q.number} v{q.version}",
        "number": q.number,
        "version": q.version,
        "state": q.state,
        "approval_state": approval_state(q),
        "currency": q.currency,
        "valid_until": q.valid_until,
        "total": q.resale_total,
        "net_total": q.net_total,
    }


def _lines(rows: Iterable[QuoteLine | OrderLine], prefix: str) -> tuple[LineSnap, ...]:
    out = []
    for r in sorted(rows, key=lambda r: r.line_no):
        unit = r.unit_resale if isinstance(r, QuoteLine) else r.unit_net
        total = r.resale_total if isinstance(r, QuoteLine) else r.line_total
        values: Values = {
            "sku": r.sku,
            "name": r.name or r.sku,
            "quantity": r.quantity,
            "unit_price": unit,
            "total": total,
            "line_no": r.line_no,
        }
        out.append(LineSnap(f"{prefix}-{r.line_no}", r.sku, values))
    return tuple(out)


def quote_snapshots(session: Session, quote_ids: Sequence[int]) -> dict[int, QuoteSnap]:
    """The quote versions by id, with their CRM deal's id, lines and earlier versions."""
    quotes = list(session.exec(select(Quote).where(one_of(session, col(Quote.id), quote_ids))))
    if not quotes:
        return {}
    deal_ids = sorted({q.deal_id for q in quotes if q.deal_id is not None})
    deals = {
        d.id: d for d in session.exec(select(Deal).where(one_of(session, col(Deal.id), deal_ids)))
    }
    lines: dict[int, list[QuoteLine]] = {}
    stmt = select(QuoteLine).where(one_of(session, col(QuoteLine.quote_id), [q.id for q in quotes]))
    for line in session.exec(stmt):
        lines.setdefault(line.quote_id, []).append(line)
    numbers = sorted({q.number for q in quotes})
    versions: dict[str, list[Quote]] = {}
    for q in session.exec(select(Quote).where(one_of(session, col(Quote.number), numbers))):
        versions.setdefault(q.number, []).append(q)
    out = {}
    for q in quotes:
        assert q.id is not None
        deal = deals.get(q.deal_id) if q.deal_id is not None else None
        key = quote_key(q.number, q.version)
        earlier = tuple(
            (quote_key(o.number, o.version), _quote_values(o))
            for o in sorted(versions.get(q.number, []), key=lambda o: o.version)
            if o.version < q.version
        )
        out[q.id] = QuoteSnap(
            q.id,
            key,
            None if deal is None else deal.crm_id,
            _quote_values(q),
            _lines(lines.get(q.id, []), key),
            earlier,
        )
    return out


def deal_summaries(session: Session, deal_ids: Sequence[int]) -> dict[int, DealSummary]:
    """Each deal's quote summary: its latest quote version, and the reason of its latest request."""
    deals = list(session.exec(select(Deal).where(one_of(session, col(Deal.id), deal_ids))))
    latest: dict[int, Quote] = {}
    for q in session.exec(
        select(Quote).where(one_of(session, col(Quote.deal_id), deal_ids)).order_by(col(Quote.id))
    ):
        assert q.deal_id is not None
        latest[q.deal_id] = q
    notes: dict[int, str] = {}
    stamps: dict[int, datetime] = {}
    for r in session.exec(
        select(DealQuoteRequest)
        .where(one_of(session, col(DealQuoteRequest.deal_id), deal_ids))
        .order_by(col(DealQuoteRequest.id))
    ):
        notes[r.deal_id] = r.reason
        stamps[r.deal_id] = r.crm_stamp
    out = {}
    for d in deals:
        assert d.id is not None
        last = latest.get(d.id)
        values: Values = {
            "quote_number": None if last is None else last.number,
            "quote_version": None if last is None else last.version,
            "quote_state": None if last is None else last.state,
            "approval_state": None if last is None else approval_state(last),
            "quote_total": None if last is None else last.resale_total,
            "currency": d.currency if last is None else last.currency,
            "note": notes.get(d.id, ""),
            "quote_requested": False,
            "quote_document_url": None
            if last is None
            else document_link(last.number, last.version),
        }
        out[d.id] = DealSummary(d.id, d.crm_id, values, d.quote_requested, stamps.get(d.id))
    return out


def crm_ids(session: Session, source: str, target: str, core_ids: Sequence[int]) -> dict[int, str]:
    """The CRM ids, in connection ``source``, of core ``target`` records (partners also by CRM ref)."""
    found: dict[int, str] = {}
    if target == "partner":
        refs = select(PartnerCrmRef.partner_id, PartnerCrmRef.crm_id).where(
            PartnerCrmRef.source == source, one_of(session, col(PartnerCrmRef.partner_id), core_ids)
        )
        found.update({int(p): str(c) for p, c in session.exec(refs)})
    links = select(SyncRecord.core_id, SyncRecord.crm_id).where(
        SyncRecord.source == source,
        SyncRecord.target == target,
        col(SyncRecord.deleted).is_(False),
        one_of(session, col(SyncRecord.core_id), core_ids),
    )
    for core_id, crm_id in session.exec(links):
        if core_id is not None:
            found.setdefault(int(core_id), str(crm_id))
    return found


def _history_text(changes: Iterable[OrderStatusChange]) -> str:
    return "\n".join(
        f"{c.at:%Y-%m-%d %H:%M:%S}Z {c.from_status or '-'} -> {c.to_status}"
        + (f" ({c.note})" if c.note else "")
        for c in sorted(changes, key=lambda c: (c.at, c.id or 0))
    )


def order_snapshots(
    session: Session, source: str, numbers: Sequence[str], *, with_lines: Iterable[str] = ()
) -> dict[str, OrderSnap]:
    """Orders by number as connection ``source`` receives them; lines only for ``with_lines``."""
    orders = list(session.exec(select(Order).where(one_of(session, col(Order.number), numbers))))
    if not orders:
        return {}
    ids = [o.id for o in orders]
    partners = crm_ids(session, source, "partner", sorted({o.partner_id for o in orders}))
    quote_ids = sorted({o.quote_id for o in orders if o.quote_id is not None})
    deal_of_quote: dict[int, str] = {}
    if quote_ids:
        stmt = (
            select(Quote.id, Deal.crm_id)
            .join(Deal, col(Deal.id) == col(Quote.deal_id))
            .where(one_of(session, col(Quote.id), quote_ids), Deal.source == source)
        )
        deal_of_quote = {int(q): str(c) for q, c in session.exec(stmt) if q is not None}
    history: dict[int, list[OrderStatusChange]] = {}
    stmt_h = select(OrderStatusChange).where(one_of(session, col(OrderStatusChange.order_id), ids))
    for change in session.exec(stmt_h):
        history.setdefault(change.order_id, []).append(change)
    wanted = {o.id for o in orders if o.number in set(with_lines)}
    lines: dict[int, list[OrderLine]] = {}
    if wanted:
        stmt_l = select(OrderLine).where(one_of(session, col(OrderLine.order_id), sorted(wanted)))
        for line in session.exec(stmt_l):
            lines.setdefault(line.order_id, []).append(line)
    out = {}
    for o in orders:
        assert o.id is not None
        values: Values = {
            "number": o.number,
            "status": o.status,
            "currency": o.currency,
            "total": o.net_total,
            "po_number": o.po_number,
            "placed_on": o.created_at.date(),
            "history": _history_text(history.get(o.id, [])),
        }
        out[o.number] = OrderSnap(
            o.number,
            o.partner_id,
            partners.get(o.partner_id),
            None if o.quote_id is None else deal_of_quote.get(o.quote_id),
            values,
            _lines(lines.get(o.id, []), o.number) if o.id in wanted else (),
        )
    return out
