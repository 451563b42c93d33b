"""Authorized buyers: roles, spending limits, deactivation keeping history, and the buyer's Actor."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest
from sqlmodel import Session, select

from order_core.audit import AuditEntry, audit_trail
from order_core.catalog.authorization import ensure_authorized
from order_core.errors import (
    AccessDenied,
    ConflictError,
    NotFoundError,
    ProductNotAuthorized,
    ValidationFailed,
)
from order_core.partners.buyers import (
    add_buyer,
    buyer_actor,
    deactivate_buyer,
    get_buyer,
    list_buyers,
    reactivate_buyer,
    update_buyer,
)
from order_core.partners.models import Buyer
from order_core.partners.services import update_partner
from tests.order_core.partners.world import VENDOR, World, build_world, pid


@pytest.fixture
def world(session: Session) -> World:
    return build_world(session)


def _id(actor_buyer: int | None) -> int:
    assert actor_buyer is not None
    return actor_buyer


def test_partner_admin_manages_its_buyers(session: Session, world: World) -> None:
    new = add_buyer(
        pid(world.a),
        "Dana@Alpha.example",
        "Dana",
        session=session,
        actor=world.a_admin,
        role="approver",
        spending_limit=Decimal("25000.00"),
    )
    assert new.email == "dana@alpha.example" and new.partner_id == world.a.id
    with pytest.raises(ConflictError, match=r"dana@alpha\.example"):
        add_buyer(
            pid(world.a), "dana@alpha.example", "Dana 2", session=session, actor=world.a_admin
        )
    with pytest.raises(AccessDenied, match="partner role 'admin'"):
        add_buyer(pid(world.a), "eve@alpha.example", "Eve", session=session, actor=world.a_buyer)
    with pytest.raises(ValidationFailed) as err:
        add_buyer(pid(world.a), "not-an-email", "", session=session, actor=VENDOR, role="boss")
    assert {p.field for p in err.value.problems} == {"email", "name", "role"}
    updated = update_buyer(
        _id(new.id), session=session, actor=world.a_admin, spending_limit=None, role="buyer"
    )
    assert updated.spending_limit is None and updated.role == "buyer"
    changes = json.loads(audit_trail(session, "buyer", _id(new.id))[-1].changes)
    assert changes == {"role": ["approver", "buyer"], "spending_limit": ["25000.00", None]}
    names = [b.email for b in list_buyers(pid(world.a), session=session, actor=world.a_buyer)]
    assert names == ["admin@alpha.example", "bob@alpha.example", "dana@alpha.example"]


def test_deactivated_buyer_cannot_act_but_history_stays(session: Session, world: World) -> None:
    bob = _id(world.a_buyer.buyer_id)
    deactivate_buyer(bob, session=session, actor=world.a_admin)
    with pytest.raises(AccessDenied, match="deactivated"):
        buyer_actor(session, bob)
    with pytest.raises(AccessDenied):
        buyer_actor(session, 4242)
    row = session.get(Buyer, bob)
    assert row is not None and row.active is False and row.deactivated_at is not None
    assert [b.email for b in list_buyers(pid(world.a), session=session, actor=VENDOR)] == [
        "admin@alpha.example"
    ]
    assert len(list_buyers(pid(world.a), session=session, actor=VENDOR, include_inactive=True)) == 2
    # His earlier actions stay attributed to him in the audit log.
    assert session.exec(select(AuditEntry).where(AuditEntry.actor == "bob@alpha.example")).first()
    assert [e.action for e in audit_trail(session, "buyer", bob)] == ["create", "deactivate"]
    reactivate_buyer(bob, session=session, actor=VENDOR)
    assert buyer_actor(session, bob).roles == frozenset({"buyer"})


def test_substitute_and_away(session: Session, world: World) -> None:
    bob = _id(world.a_buyer.buyer_id)
    admin = _id(world.a_admin.buyer_id)
    updated = update_buyer(
        bob,
        session=session,
        actor=world.a_admin,
        substitute_buyer_id=admin,
        away_until=date(2026, 8, 1),
    )
    assert updated.substitute_buyer_id == admin and updated.away_until == date(2026, 8, 1)
    with pytest.raises(ValidationFailed, match="substitute_buyer_id"):
        update_buyer(bob, session=session, actor=world.a_admin, substitute_buyer_id=bob)
    with pytest.raises(NotFoundError):
        update_buyer(
            bob,
            session=session,
            actor=world.a_admin,
            substitute_buyer_id=_id(world.b_buyer.buyer_id),
        )
    assert get_buyer(bob, session=session, actor=world.a_buyer).away_until == date(2026, 8, 1)


def test_buyers_of_an_inactive_partner_cannot_act(session: Session, world: World) -> None:
    bob = _id(world.a_buyer.buyer_id)
    update_partner(pid(world.a), {"active": False}, session=session, actor=VENDOR)
    with pytest.raises(AccessDenied, match="inactive"):
        buyer_actor(session, bob)
    with pytest.raises(ProductNotAuthorized, match="inactive"):
        ensure_authorized(session, pid(world.a), ["CS-PLA-001"])
