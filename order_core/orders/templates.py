"""Order templates (named carts shared by a partner's buyers) and re-orders at today's prices.

Both produce a draft order priced now. Lines whose product is no longer authorized, inactive or
unpriceable are left out and named in the result, so the buyer sees exactly what changed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlmodel import Session, col, select

from order_core.actors import Actor
from order_core.audit import record_audit
from order_core.catalog.authorization import authorized_product_ids
from order_core.catalog.models import ListPrice, Product
from order_core.errors import ConflictError, NotFoundError, invalid
from order_core.orders.access import load_order, ordering_buyer
from order_core.orders.cart import check_items, order_lines
from order_core.orders.checkout import place_order
from order_core.orders.models import Order, OrderTemplate, OrderTemplateLine
from order_core.orders.pricing import CartItem
from order_core.tx import transactional


@dataclass(frozen=True)
class DroppedLine:
    """A line that could not be carried over, and why."""

    sku: str
    quantity: int
    reason: str


@dataclass(frozen=True)
class CartFromHistory:
    """The draft order made from a template or a past order, and the lines left out."""

    order: Order | None
    dropped: list[DroppedLine]


def _template(session: Session, actor: Actor, name: str) -> OrderTemplate:
    partner_id = actor.partner_id
    found = session.exec(
        select(OrderTemplate).where(
            OrderTemplate.partner_id == partner_id, OrderTemplate.name == name
        )
    ).first()
    if found is None:
        raise NotFoundError(f"order template {name!r} not found")
    return found


def _template_lines(session: Session, template: OrderTemplate) -> list[OrderTemplateLine]:
    stmt = select(OrderTemplateLine).where(OrderTemplateLine.template_id == template.id)
    return list(session.exec(stmt.order_by(col(OrderTemplateLine.line_no))))


@transactional
def save_template(
    name: str,
    lines: Sequence[CartItem],
    *,
    session: Session,
    actor: Actor,
    replace: bool = False,
) -> OrderTemplate:
    """Save a cart under ``name`` for the acting buyer's partner (every buyer of the partner sees it)."""
    partner, _ = ordering_buyer(session, actor)
    if not name.strip():
        raise invalid("order template", "name", "is empty; give the template a name")
    check_items(f"order template {name!r}", lines)
    existing = session.exec(
        select(OrderTemplate).where(
            OrderTemplate.partner_id == partner.id, OrderTemplate.name == name.strip()
        )
    ).first()
    if existing is not None:
        if not replace:
            raise ConflictError(
                f"order template {name!r} already exists; pick another name or replace it"
            )
        for old in _template_lines(session, existing):
            session.delete(old)
        template = existing
    else:
        assert partner.id is not None
        template = OrderTemplate(partner_id=partner.id, name=name.strip(), created_by=actor.user)
        session.add(template)
    session.flush()
    assert template.id is not None
    for no, item in enumerate(lines, 1):
        session.add(
            OrderTemplateLine(
                template_id=template.id, line_no=no, sku=item.sku, quantity=item.quantity
            )
        )
    record_audit(
        session,
        actor,
        "save",
        "order_template",
        template.id,
        {"name": template.name, "lines": [[i.sku, i.quantity] for i in lines]},
        partner_id=partner.id,
    )
    return template


@transactional
def list_templates(
    *, session: Session, actor: Actor
) -> list[tuple[OrderTemplate, list[OrderTemplateLine]]]:
    """The acting buyer's partner's templates with their lines, by name."""
    partner, _ = ordering_buyer(session, actor)
    stmt = select(OrderTemplate).where(OrderTemplate.partner_id == partner.id)
    return [
        (t, _template_lines(session, t))
        for t in session.exec(stmt.order_by(col(OrderTemplate.name)))
    ]


@transactional
def delete_template(name: str, *, session: Session, actor: Actor) -> None:
    """Delete one of the partner's templates."""
    ordering_buyer(session, actor)
    template = _template(session, actor, name)
    for line in _template_lines(session, template):
        session.delete(line)
    session.flush()  # lines first: no ORM relationship tells the unit of work the order
    session.delete(template)
    record_audit(
        session,
        actor,
        "delete",
        "order_template",
        template.id,
        {"name": name},
        partner_id=template.partner_id,
    )


def _split(
    session: Session, partner_id: int, currency: str, items: Sequence[CartItem]
) -> tuple[list[CartItem], list[DroppedLine]]:
    allowed = authorized_product_ids(session, partner_id)
    skus = [i.sku for i in items]
    products = {p.sku: p for p in session.exec(select(Product).where(col(Product.sku).in_(skus)))}
    priced = {
        lp.product_id
        for lp in session.exec(
            select(ListPrice).where(
                ListPrice.currency == currency,
                col(ListPrice.product_id).in_([p.id for p in products.values()]),
            )
        )
    }
    keep: list[CartItem] = []
    dropped: list[DroppedLine] = []
    for item in items:
        product = products.get(item.sku)
        if product is None:
            dropped.append(DroppedLine(item.sku, item.quantity, "no longer in the catalog"))
        elif not product.active:
            dropped.append(DroppedLine(item.sku, item.quantity, "no longer available"))
        elif product.id not in allowed:
            dropped.append(
                DroppedLine(item.sku, item.quantity, "no longer authorized for your company")
            )
        elif product.id not in priced:
            dropped.append(DroppedLine(item.sku, item.quantity, f"has no {currency} price"))
        else:
            keep.append(item)
    return keep, dropped


def _draft(
    session: Session,
    actor: Actor,
    items: Sequence[CartItem],
    currency: str,
    payment_method: str,
    origin: str,
    po_number: str | None = None,
    end_customer_id: int | None = None,
) -> CartFromHistory:
    partner, _ = ordering_buyer(session, actor)
    assert partner.id is not None
    keep, dropped = _split(session, partner.id, currency, items)
    if not keep:
        return CartFromHistory(None, dropped)
    order = place_order(
        session=session,
        actor=actor,
        lines=keep,
        currency=currency,
        payment_method=payment_method,
        submit=False,
        notes=origin,
        po_number=po_number,
        end_customer_id=end_customer_id,
    )
    record_audit(
        session,
        actor,
        "reorder",
        "order",
        order.number,
        {"origin": origin, "dropped": [d.sku for d in dropped]},
        partner_id=partner.id,
    )
    return CartFromHistory(order, dropped)


@transactional
def order_from_template(
    name: str, *, session: Session, actor: Actor, payment_method: str, currency: str | None = None
) -> CartFromHistory:
    """A draft order from a template at today's prices; lines that cannot be bought are named."""
    partner, _ = ordering_buyer(session, actor)
    template = _template(session, actor, name)
    items = [CartItem(ln.sku, ln.quantity) for ln in _template_lines(session, template)]
    return _draft(
        session, actor, items, currency or partner.currency, payment_method, f"from template {name}"
    )


@transactional
def reorder(
    number: str, *, session: Session, actor: Actor, payment_method: str | None = None
) -> CartFromHistory:
    """Copy a past order into a new draft at today's prices; lines that cannot be bought are named."""
    ordering_buyer(session, actor)
    past = load_order(session, actor, number)
    assert past.id is not None
    items = [CartItem(ln.sku, ln.quantity) for ln in order_lines(session, past.id)]
    return _draft(
        session,
        actor,
        items,
        past.currency,
        payment_method or past.payment_method,
        f"re-order of {number}",
        po_number=past.po_number,
        end_customer_id=past.end_customer_id,
    )
