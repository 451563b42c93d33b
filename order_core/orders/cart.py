"""Building an order's lines: authorized products, prices, the end customer rule, and the content hash."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from sqlmodel import Session, col, select

from order_core.actors import Actor
from order_core.customers.associations import associate_customer, is_associated
from order_core.customers.models import EndCustomer
from order_core.customers.requirements import check_customer_info
from order_core.errors import NotFoundError, Problem, ValidationFailed
from order_core.orders.memo import known_lines
from order_core.orders.models import Order, OrderLine
from order_core.orders.pricing import CartItem, PricedCart, price_items_now
from order_core.partners.models import Partner
from quote_engine.pricing import RuleSet


class PricedLine(Protocol):
    """What content hashes, taxes and approval subjects read of an order line, stored or not yet."""

    @property
    def line_no(self) -> int: ...
    @property
    def product_id(self) -> int: ...
    @property
    def sku(self) -> str: ...
    @property
    def quantity(self) -> int: ...
    @property
    def unit_list(self) -> Decimal: ...
    @property
    def unit_net(self) -> Decimal: ...
    @property
    def line_total(self) -> Decimal: ...
    @property
    def trace(self) -> str: ...


@dataclass(frozen=True)
class LockedLine:
    """A line whose price is already decided (an accepted quote's locked price)."""

    sku: str
    quantity: int
    unit_list: Decimal
    unit_net: Decimal
    line_total: Decimal
    trace: str = "[]"


def check_items(record: str, items: Sequence[CartItem | LockedLine]) -> None:
    """Refuse an empty cart, bad quantities and repeated SKUs, listing every problem."""
    problems: list[Problem] = []
    if not items:
        problems.append(Problem(record, "lines", "is empty; add at least one SKU and quantity"))
    seen: set[str] = set()
    for no, item in enumerate(items, 1):
        if item.quantity < 1:
            problems.append(
                Problem(f"{record} line {no}", "quantity", f"{item.quantity} is below 1")
            )
        if item.sku in seen:
            problems.append(
                Problem(f"{record} line {no}", "sku", f"{item.sku} appears twice; merge the lines")
            )
        seen.add(item.sku)
    if problems:
        raise ValidationFailed(f"{record} is not valid", problems)


def price_items(
    session: Session,
    partner: Partner,
    items: Sequence[CartItem],
    currency: str,
    end_customer: EndCustomer | None,
    rules: RuleSet | None = None,
) -> PricedCart:
    """Authorized products only (ProductNotAuthorized names the SKUs), priced at today's prices.

    Promotion rules are ``rules``, or the installed rules file when None.
    """
    assert partner.id is not None
    check_items(f"order of partner {partner.name}", items)
    return price_items_now(session, partner, items, currency, end_customer, rules)


def resolve_end_customer(
    session: Session,
    partner: Partner,
    end_customer_id: int | None,
    *,
    required: Mapping[str, Sequence[str]] | None = None,
) -> EndCustomer | None:
    """The order's end customer; required (with the program's fields filled) when a program says so.

    A reseller may name a customer it is associated with, or one no reseller owns yet (the order
    then associates it); another reseller's customer is reported as not found. ``required`` is
    ``required_customer_fields`` of the partner when the caller already knows it.
    """
    assert partner.id is not None
    customer = None
    if end_customer_id is not None:
        customer = session.get(EndCustomer, end_customer_id)
        if customer is None or (
            customer.reseller_of_record_id not in (None, partner.id)
            and not is_associated(session, end_customer_id, partner.id)
        ):
            raise NotFoundError(f"end customer {end_customer_id} not found")
    check_customer_info(session, partner.id, customer, required=required)
    return customer


def associate(session: Session, partner_id: int, customer: EndCustomer, actor: Actor) -> None:
    """Associate the end customer with the reseller (created on the first order, refreshed after)."""
    assert customer.id is not None
    associate_customer(session, customer.id, partner_id, "order", actor=actor)


def order_lines(session: Session, order_id: int) -> list[OrderLine]:
    """The order's lines by line number."""
    known = known_lines(session, order_id)
    if known is not None:
        return known
    stmt = select(OrderLine).where(OrderLine.order_id == order_id).order_by(col(OrderLine.line_no))
    return list(session.exec(stmt))


def _num(value: Decimal) -> str:
    # PostgreSQL hands NUMERIC(24, 8) back with trailing zeros; the hash must not depend on that.
    return format(value.normalize(), "f")


def content_hash(order: Order, lines: Sequence[PricedLine]) -> str:
    """SHA-256 of what the order commits to: who, for whom, how paid, and every line and price.

    Approvals record the hash they were given on; any later change to these fields changes it.
    """
    data = {
        "partner_id": order.partner_id,
        "end_customer_id": order.end_customer_id,
        "currency": order.currency,
        "payment_method": order.payment_method,
        "card_token_id": order.card_token_id,
        "po_number": order.po_number,
        "net_total": _num(order.net_total),
        "lines": [
            [ln.line_no, ln.sku, ln.quantity, _num(ln.unit_net), _num(ln.line_total)]
            for ln in sorted(lines, key=lambda x: x.line_no)
        ],
    }
    blob = json.dumps(data, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(blob.encode()).hexdigest()
