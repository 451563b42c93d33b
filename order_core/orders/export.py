"""CSV downloads of orders and of order lines (partner-scoped, same filters as the search)."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

from sqlmodel import Session, col, select

from order_core.actors import Actor
from order_core.customers.models import EndCustomer
from order_core.orders.models import Order, OrderLine
from order_core.orders.queries import OrderFilter, filtered
from order_core.tx import transactional
from quote_engine.money import round_money

ORDER_COLUMNS = (
    "number", "created_at", "status", "po_number", "partner_id", "buyer_id", "end_customer",
    "end_customer_email", "currency", "list_total", "net_total", "tax_estimate", "payment_method",
    "quote_id",
)  # fmt: skip
LINE_COLUMNS = (
    "order_number", "line_no", "sku", "name", "quantity", "unit_list", "unit_net", "line_total",
    "currency", "status", "end_customer",
)  # fmt: skip


def _orders(session: Session, actor: Actor, criteria: OrderFilter) -> list[Order]:
    stmt = filtered(session, actor, criteria).order_by(col(Order.created_at), col(Order.id))
    return list(session.exec(stmt))


def _customers(session: Session, orders: list[Order]) -> dict[int, EndCustomer]:
    ids = {o.end_customer_id for o in orders if o.end_customer_id is not None}
    if not ids:
        return {}
    rows = session.exec(select(EndCustomer).where(col(EndCustomer.id).in_(ids)))
    return {c.id: c for c in rows if c.id is not None}


def _m(value: Decimal, currency: str) -> str:
    return format(round_money(value, currency), "f")


def _text(value: object) -> str:
    if value is None:
        return ""
    text = value.isoformat() if hasattr(value, "isoformat") else str(value)
    # Neutralise spreadsheet formulas in user-entered text (CSV injection).
    return "'" + text if text[:1] in ("=", "+", "-", "@") and not text[1:2].isdigit() else text


@transactional
def export_orders_csv(criteria: OrderFilter, *, session: Session, actor: Actor) -> str:
    """Orders matching ``criteria`` as CSV text with a header row, oldest first."""
    orders = _orders(session, actor, criteria)
    customers = _customers(session, orders)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(ORDER_COLUMNS)
    for o in orders:
        c = customers.get(o.end_customer_id or 0)
        writer.writerow(
            [
                _text(v)
                for v in (
                    o.number,
                    o.created_at,
                    o.status,
                    o.po_number,
                    o.partner_id,
                    o.buyer_id,
                    c.name if c else None,
                    c.email if c else None,
                    o.currency,
                    _m(o.list_total, o.currency),
                    _m(o.net_total, o.currency),
                    _m(o.tax_estimate, o.currency),
                    o.payment_method,
                    o.quote_id,
                )
            ]
        )
    return out.getvalue()


@transactional
def export_order_lines_csv(criteria: OrderFilter, *, session: Session, actor: Actor) -> str:
    """The lines of the orders matching ``criteria`` as CSV text, one row per line."""
    orders = _orders(session, actor, criteria)
    customers = _customers(session, orders)
    by_id = {o.id: o for o in orders}
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(LINE_COLUMNS)
    if by_id:
        lines = session.exec(
            select(OrderLine)
            .where(col(OrderLine.order_id).in_(list(by_id)))
            .order_by(col(OrderLine.order_id), col(OrderLine.line_no))
        )
        for ln in lines:
            o = by_id[ln.order_id]
            c = customers.get(o.end_customer_id or 0)
            writer.writerow(
                [
                    _text(v)
                    for v in (
                        o.number,
                        ln.line_no,
                        ln.sku,
                        ln.name,
                        ln.quantity,
                        _m(ln.unit_list, o.currency),
                        _m(ln.unit_net, o.currency),
                        _m(ln.line_total, o.currency),
                        o.currency,
                        o.status,
                        c.name if c else None,
                    )
                ]
            )
    return out.getvalue()
