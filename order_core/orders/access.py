"""Who may touch which order: loading orders partner-scoped, and resolving the ordering buyer."""

from __future__ import annotations

from sqlmodel import Session, select

from order_core.actors import Actor
from order_core.errors import AccessDenied, NotFoundError
from order_core.orders.memo import keep
from order_core.orders.models import Order
from order_core.partners.buyers import buyer_actor
from order_core.partners.models import Buyer, Partner


def load_order(session: Session, actor: Actor, number: str, *, lock: bool = False) -> Order:
    """The order ``number``; another partner's order is reported as not found (no probing).

    With ``lock`` the row is locked for the rest of the transaction (FOR UPDATE on PostgreSQL),
    so two status changes of one order serialise.
    """
    stmt = select(Order).where(Order.number == number)
    if lock and session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    order = session.exec(stmt.execution_options(populate_existing=True)).first()
    if order is None or (not actor.is_vendor_side and actor.partner_id != order.partner_id):
        raise NotFoundError(f"order {number} not found")
    return order


def ordering_buyer(session: Session, actor: Actor) -> tuple[Partner, int]:
    """The partner and buyer id an order is placed for: the acting buyer, who must be active."""
    if actor.kind != "partner" or actor.buyer_id is None or actor.partner_id is None:
        raise AccessDenied(
            f"{actor.user} may not place orders: only an authorized buyer of a partner can check out"
        )
    keep(session, session.get(Buyer, actor.buyer_id))  # loaded once for the whole checkout
    current = buyer_actor(session, actor.buyer_id)  # refuses a deactivated buyer
    if current.partner_id != actor.partner_id:
        raise AccessDenied(f"{actor.user} is not a buyer of partner {actor.partner_id}")
    partner = session.get(Partner, actor.partner_id)
    keep(session, partner)
    if partner is None or not partner.active:
        raise AccessDenied(
            f"partner {actor.partner_id} is not active; its buyers cannot place orders"
        )
    return partner, actor.buyer_id
