"""Who approves a step: the partner's approver buyer (or their substitute while away) or a vendor role."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, col, select

from order_core.actors import Actor
from order_core.partners.models import Buyer
from order_core.quotes.models import ApprovalRequest, Quote
from quote_engine.approvals import ApprovalSide, Availability, resolve_delegate


@dataclass(frozen=True)
class Assignment:
    """The named approver of a step (and the substitute deciding while they are away)."""

    approver: str
    approver_buyer_id: int | None = None
    delegated_to: str | None = None
    delegated_buyer_id: int | None = None


def assign(
    session: Session, partner_id: int, side: ApprovalSide, role: str, on: date
) -> Assignment:
    """Pick the approver of a step: a vendor role, or the partner's first active buyer in ``role``."""
    if side is ApprovalSide.VENDOR:
        return Assignment(approver=f"role:{role}")
    buyers = list(
        session.exec(
            select(Buyer)
            .where(Buyer.partner_id == partner_id, col(Buyer.active).is_(True))
            .order_by(col(Buyer.id))
        )
    )
    holders = [b for b in buyers if b.role == role] or [b for b in buyers if b.role == "admin"]
    if not holders:
        return Assignment(approver=f"partner-role:{role}")
    first = holders[0]
    active = {str(b.id): b for b in buyers}
    availability = {
        key: Availability(
            key,
            away_until=b.away_until,
            substitute=str(b.substitute_buyer_id) if str(b.substitute_buyer_id) in active else None,
        )
        for key, b in active.items()
    }
    chosen = resolve_delegate(str(first.id), availability, on)
    if chosen == str(first.id):
        return Assignment(approver=first.email, approver_buyer_id=first.id)
    substitute = active[chosen]
    return Assignment(
        approver=first.email,
        approver_buyer_id=first.id,
        delegated_to=substitute.email,
        delegated_buyer_id=substitute.id,
    )


def may_decide(actor: Actor, request: ApprovalRequest, quote: Quote) -> bool:
    """True when ``actor`` is the step's approver, its delegate, or (unnamed) holds its role.

    The system never approves, and nobody approves a quote they created.
    """
    if actor.kind == "system" or actor.user == quote.created_by:
        return False
    if request.side == ApprovalSide.PARTNER.value:
        if actor.kind != "partner" or actor.partner_id != quote.partner_id:
            return False
        if actor.buyer_id is not None and actor.buyer_id in (
            request.approver_buyer_id,
            request.delegated_buyer_id,
        ):
            return True
        return request.approver_buyer_id is None and (
            request.role in actor.roles or "admin" in actor.roles
        )
    if actor.kind != "vendor":
        return False
    return actor.has_role(request.role) or (
        request.delegated_to is not None and actor.user == request.delegated_to
    )
