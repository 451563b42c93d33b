"""Authorized buyers of a partner company: roles, spending limits, deactivation, and the buyer's Actor."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import Enum

from sqlmodel import Session, col, select

from order_core.actors import PARTNER_ROLES, Actor, require_partner_role
from order_core.audit import diff, record_audit
from order_core.errors import AccessDenied, ConflictError, NotFoundError, Problem, ValidationFailed
from order_core.partners.models import Buyer, Partner
from order_core.partners.services import load_partner
from order_core.tx import transactional
from order_core.types import utcnow

EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class _Unset(Enum):
    """Marks an argument that was not given (None is a meaningful value)."""

    UNSET = "unset"


_UNSET = _Unset.UNSET


@dataclass(slots=True)
class BuyerValues:
    """The values ``check_buyer`` reads, without a ``Buyer`` (building one to check a pulled CRM
    contact costs about 60 us)."""

    email: str
    name: str
    role: str
    spending_limit: Decimal | None


def check_buyer(buyer: Buyer | BuyerValues) -> None:
    """Raise ValidationFailed naming every problem of a buyer's values."""
    where = f"buyer {buyer.email or '?'}"
    problems: list[Problem] = []
    if not EMAIL_RE.match(buyer.email):
        problems.append(Problem(where, "email", f"{buyer.email!r} is not an email address"))
    if not buyer.name.strip():
        problems.append(Problem(where, "name", "is empty"))
    if buyer.role not in PARTNER_ROLES:
        problems.append(Problem(where, "role", f"must be one of {sorted(PARTNER_ROLES)}"))
    if buyer.spending_limit is not None and (
        not isinstance(buyer.spending_limit, Decimal) or buyer.spending_limit < 0
    ):
        problems.append(Problem(where, "spending_limit", "must be a Decimal >= 0 (or none)"))
    if problems:
        raise ValidationFailed(f"{where} is not valid", problems)


def _load(session: Session, actor: Actor, buyer_id: int) -> Buyer:
    buyer = session.get(Buyer, buyer_id)
    if buyer is None or (not actor.is_vendor_side and buyer.partner_id != actor.partner_id):
        raise NotFoundError(f"buyer {buyer_id} not found")
    return buyer


@transactional
def add_buyer(
    partner_id: int,
    email: str,
    name: str,
    *,
    session: Session,
    actor: Actor,
    role: str = "buyer",
    spending_limit: Decimal | None = None,
) -> Buyer:
    """Authorize a person to buy for a partner (vendor admin or the partner's own admin)."""
    require_partner_role(actor, partner_id, "admin", action="add buyers")
    load_partner(session, actor, partner_id)
    buyer = Buyer(
        partner_id=partner_id,
        email=email.strip().lower(),
        name=name.strip(),
        role=role,
        spending_limit=spending_limit,
    )
    check_buyer(buyer)
    exists = session.exec(
        select(Buyer).where(Buyer.partner_id == partner_id, Buyer.email == buyer.email)
    ).first()
    if exists is not None:
        raise ConflictError(
            f"buyer {buyer.email} already exists for partner {partner_id} (id {exists.id}); "
            "update or reactivate that buyer"
        )
    session.add(buyer)
    session.flush()
    record_audit(
        session,
        actor,
        "create",
        "buyer",
        buyer.id,
        buyer.model_dump(),
        partner_id=partner_id,
    )
    return buyer


@transactional
def update_buyer(
    buyer_id: int,
    *,
    session: Session,
    actor: Actor,
    name: str | None = None,
    role: str | None = None,
    spending_limit: Decimal | _Unset | None = _UNSET,
    substitute_buyer_id: int | _Unset | None = _UNSET,
    away_until: date | _Unset | None = _UNSET,
) -> Buyer:
    """Change a buyer's name, role, spending limit (None = unlimited) or substitute / away dates."""
    buyer = _load(session, actor, buyer_id)
    require_partner_role(actor, buyer.partner_id, "admin", action="change buyers")
    before = buyer.model_dump()
    if name is not None:
        buyer.name = name.strip()
    if role is not None:
        buyer.role = role
    if not isinstance(spending_limit, _Unset):
        buyer.spending_limit = spending_limit
    if not isinstance(substitute_buyer_id, _Unset):
        if substitute_buyer_id is not None:
            sub = _load(session, actor, substitute_buyer_id)
            if sub.partner_id != buyer.partner_id or not sub.active or sub.id == buyer.id:
                raise ValidationFailed(
                    f"buyer {buyer.email} is not valid",
                    [
                        Problem(
                            f"buyer {buyer.email}",
                            "substitute_buyer_id",
                            "must be another active buyer of the same partner",
                        )
                    ],
                )
        buyer.substitute_buyer_id = substitute_buyer_id
    if not isinstance(away_until, _Unset):
        buyer.away_until = away_until
    check_buyer(buyer)
    delta = diff(before, buyer.model_dump())
    if delta:
        session.add(buyer)
        record_audit(
            session, actor, "update", "buyer", buyer_id, delta, partner_id=buyer.partner_id
        )
    return buyer


@transactional
def deactivate_buyer(buyer_id: int, *, session: Session, actor: Actor) -> Buyer:
    """Deactivate a buyer: it can no longer act, and its history (quotes, orders, audit) stays."""
    buyer = _load(session, actor, buyer_id)
    require_partner_role(actor, buyer.partner_id, "admin", action="deactivate buyers")
    if not buyer.active:
        return buyer
    buyer.active = False
    buyer.deactivated_at = utcnow()
    session.add(buyer)
    record_audit(
        session,
        actor,
        "deactivate",
        "buyer",
        buyer_id,
        {"active": [True, False]},
        partner_id=buyer.partner_id,
    )
    return buyer


@transactional
def reactivate_buyer(buyer_id: int, *, session: Session, actor: Actor) -> Buyer:
    """Let a deactivated buyer act again."""
    buyer = _load(session, actor, buyer_id)
    require_partner_role(actor, buyer.partner_id, "admin", action="reactivate buyers")
    if buyer.active:
        return buyer
    buyer.active = True
    buyer.deactivated_at = None
    session.add(buyer)
    record_audit(
        session,
        actor,
        "reactivate",
        "buyer",
        buyer_id,
        {"active": [False, True]},
        partner_id=buyer.partner_id,
    )
    return buyer


@transactional
def get_buyer(buyer_id: int, *, session: Session, actor: Actor) -> Buyer:
    """One buyer; partner actors see only their own company's buyers."""
    return _load(session, actor, buyer_id)


@transactional
def list_buyers(
    partner_id: int, *, session: Session, actor: Actor, include_inactive: bool = False
) -> list[Buyer]:
    """A partner's buyers by email (deactivated ones too when asked)."""
    load_partner(session, actor, partner_id)
    stmt = select(Buyer).where(Buyer.partner_id == partner_id).order_by(col(Buyer.email))
    if not include_inactive:
        stmt = stmt.where(col(Buyer.active).is_(True))
    return list(session.exec(stmt))


def buyer_actor(session: Session, buyer_id: int) -> Actor:
    """The Actor for an authorized buyer; AccessDenied when the buyer (or its partner) is inactive or unknown."""
    buyer = session.get(Buyer, buyer_id)
    if buyer is None:
        raise AccessDenied(f"buyer {buyer_id} is not an authorized buyer")
    if not buyer.active:
        raise AccessDenied(
            f"buyer {buyer.email} was deactivated; ask the partner's admin to reactivate the buyer"
        )
    partner = session.get(Partner, buyer.partner_id)
    if partner is None or not partner.active:
        raise AccessDenied(
            f"buyer {buyer.email}: partner {buyer.partner_id} is inactive; its buyers cannot act"
        )
    return Actor(
        user=buyer.email,
        kind="partner",
        roles=frozenset({buyer.role}),
        partner_id=buyer.partner_id,
        buyer_id=buyer.id,
    )
