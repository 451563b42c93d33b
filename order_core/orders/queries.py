"""Order management reads: search (customer, status, dates, PO, SKU; paginated) and recent orders."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from order_core.actors import Actor, partner_scope
from order_core.customers.models import EndCustomer
from order_core.errors import NotFoundError, invalid
from order_core.orders.models import Order, OrderLine
from order_core.orders.states import OrderStatus
from order_core.partners.models import Partner
from order_core.tx import transactional
from order_core.types import as_utc


@dataclass(frozen=True)
class OrderFilter:
    """Search criteria; every one optional. ``customer`` matches name or email, case-insensitive."""

    partner_id: int | None = None
    customer: str | None = None
    status: str | None = None
    created_from: datetime | None = None
    created_to: datetime | None = None
    po_number: str | None = None
    sku: str | None = None


@dataclass(frozen=True)
class OrderPage:
    """One page of orders (newest first) and the total number matching."""

    items: list[Order]
    total: int
    page: int
    page_size: int

    @property
    def pages(self) -> int:
        """How many pages there are."""
        return max(1, -(-self.total // self.page_size))


def filtered(session: Session, actor: Actor, criteria: OrderFilter) -> SelectOfScalar[Order]:
    """The partner-scoped query for ``criteria`` (a partner actor only ever sees its own orders).

    A partner that does not exist is NotFoundError, as everywhere else, not an empty result.
    """
    stmt = select(Order)
    scope = partner_scope(actor, criteria.partner_id)
    if scope is not None:
        if session.get(Partner, scope) is None:
            raise NotFoundError(f"partner {scope} not found")
        stmt = stmt.where(Order.partner_id == scope)
    if criteria.status:
        try:
            OrderStatus(criteria.status)
        except ValueError:
            options = ", ".join(s.value for s in OrderStatus)
            raise invalid(
                "order search", "status", f"{criteria.status!r} is not one of {options}"
            ) from None
        stmt = stmt.where(Order.status == criteria.status)
    if criteria.customer:
        needle = f"%{criteria.customer.strip().lower()}%"
        customers = select(EndCustomer.id).where(
            or_(
                func.lower(EndCustomer.name).like(needle),
                func.lower(EndCustomer.email).like(needle),
            )
        )
        stmt = stmt.where(col(Order.end_customer_id).in_(customers))
    if criteria.created_from is not None:
        stmt = stmt.where(col(Order.created_at) >= as_utc(criteria.created_from))
    if criteria.created_to is not None:
        stmt = stmt.where(col(Order.created_at) < as_utc(criteria.created_to))
    if criteria.po_number:
        stmt = stmt.where(
            func.lower(Order.po_number).like(f"%{criteria.po_number.strip().lower()}%")
        )
    if criteria.sku:
        with_sku = select(OrderLine.order_id).where(
            func.upper(OrderLine.sku) == criteria.sku.strip().upper()
        )
        stmt = stmt.where(col(Order.id).in_(with_sku))
    return stmt


@transactional
def search_orders(
    criteria: OrderFilter, *, session: Session, actor: Actor, page: int = 1, page_size: int = 25
) -> OrderPage:
    """Orders matching ``criteria``, newest first, one page at a time (pages start at 1)."""
    if page < 1 or not 1 <= page_size <= 500:
        raise invalid("order search", "page", "page starts at 1 and page_size is 1-500")
    stmt = filtered(session, actor, criteria)
    total = session.exec(select(func.count()).select_from(stmt.subquery())).one()
    rows = session.exec(
        stmt.order_by(col(Order.created_at).desc(), col(Order.id).desc())
        .offset((page - 1) * page_size)
        .limit(page_size)
    )
    return OrderPage(list(rows), int(total), page, page_size)


@transactional
def recent_orders(
    *, session: Session, actor: Actor, partner_id: int | None = None, limit: int = 10
) -> list[Order]:
    """The partner's most recent orders."""
    page = search_orders(
        OrderFilter(partner_id=partner_id),
        session=session,
        actor=actor,
        page_size=max(1, min(limit, 500)),
    )
    return page.items
