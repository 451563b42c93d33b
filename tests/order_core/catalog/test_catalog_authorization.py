"""Product authorization: program and per-partner allow / deny rules, and the check quotes and orders call."""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import Session, select

from order_core.audit import AuditEntry, audit_trail
from order_core.catalog.authorization import (
    add_authorization_rule,
    authorized_product_ids,
    authorized_products,
    ensure_authorized,
    list_authorization_rules,
    remove_authorization_rule,
)
from order_core.catalog.products import update_product
from order_core.errors import AccessDenied, NotFoundError, ProductNotAuthorized, ValidationFailed
from order_core.partners.programs import end_membership, list_memberships
from tests.order_core.partners.world import VENDOR, World, build_world, pid


@pytest.fixture
def world(session: Session) -> World:
    return build_world(session)


def _skus(session: Session, world: World, partner_id: int) -> list[str]:
    return [p.sku for p in authorized_products(partner_id, session=session, actor=VENDOR)]


def test_program_rules_and_partner_override(session: Session, world: World) -> None:
    # A: program allows Platform + CS-SEC-001 and denies CS-PLA-002; Analytics never allowed.
    assert _skus(session, world, pid(world.a)) == ["CS-PLA-001", "CS-SEC-001"]
    # B: a per-partner allow overrides the program's deny of CS-PLA-002.
    assert _skus(session, world, pid(world.b)) == ["CS-PLA-001", "CS-PLA-002", "CS-SEC-001"]
    # The distributor program allows everything.
    assert _skus(session, world, pid(world.dist)) == [
        "CS-ANA-002",
        "CS-PLA-001",
        "CS-PLA-002",
        "CS-SEC-001",
    ]
    # A partner buyer sees its own list.
    own = authorized_products(pid(world.a), session=session, actor=world.a_buyer)
    assert [p.sku for p in own] == ["CS-PLA-001", "CS-SEC-001"]


def test_partner_deny_beats_program_allow_and_inactive_products_drop(
    session: Session, world: World
) -> None:
    add_authorization_rule(
        session=session,
        actor=VENDOR,
        partner_id=pid(world.a),
        effect="deny",
        scope="sku",
        value="cs-pla-001",
    )
    assert _skus(session, world, pid(world.a)) == ["CS-SEC-001"]
    update_product(
        pid(world.products["CS-SEC-001"]), {"active": False}, session=session, actor=VENDOR
    )
    assert _skus(session, world, pid(world.a)) == []


def test_ensure_authorized_names_sku_and_partner(session: Session, world: World) -> None:
    products = ensure_authorized(
        session, pid(world.a), ["CS-SEC-001", pid(world.products["CS-PLA-001"])]
    )
    assert [p.sku for p in products] == ["CS-SEC-001", "CS-PLA-001"]
    with pytest.raises(ProductNotAuthorized) as err:
        ensure_authorized(session, pid(world.a), ["CS-PLA-001", "CS-PLA-002", "CS-ANA-002"])
    assert "CS-ANA-002, CS-PLA-002" in err.value.message
    assert "Alpha Partners" in err.value.message
    assert "CS-PLA-001" not in err.value.message.split("buy")[1].split(";")[0]
    with pytest.raises(NotFoundError, match="CS-NOPE-1"):
        ensure_authorized(session, pid(world.a), ["CS-NOPE-1"])


def test_ended_membership_removes_program_products(session: Session, world: World) -> None:
    membership = list_memberships(pid(world.a), session=session, actor=VENDOR)[0]
    assert membership.id is not None
    end_membership(membership.id, date(2026, 6, 30), session=session, actor=VENDOR)
    assert authorized_product_ids(session, pid(world.a), date(2026, 6, 30)) == {
        pid(world.products["CS-PLA-001"]),
        pid(world.products["CS-SEC-001"]),
    }
    assert authorized_product_ids(session, pid(world.a), date(2026, 7, 1)) == set()
    with pytest.raises(ProductNotAuthorized):
        ensure_authorized(session, pid(world.a), ["CS-PLA-001"], on=date(2026, 7, 1))


def test_rule_validation_access_and_audit(session: Session, world: World) -> None:
    with pytest.raises(ValidationFailed) as err:
        add_authorization_rule(
            session=session, actor=VENDOR, effect="maybe", scope="color", value="x"
        )
    assert {p.field for p in err.value.problems} == {"effect"}
    with pytest.raises(ValidationFailed, match="scope"):
        add_authorization_rule(
            session=session, actor=VENDOR, effect="allow", scope="color", value="x"
        )
    with pytest.raises(ValidationFailed, match="value"):
        add_authorization_rule(session=session, actor=VENDOR, effect="allow", scope="sku")
    with pytest.raises(AccessDenied):
        add_authorization_rule(
            session=session,
            actor=world.a_admin,
            partner_id=pid(world.a),
            effect="allow",
            scope="all",
        )
    with pytest.raises(AccessDenied):
        list_authorization_rules(session=session, actor=world.a_admin)
    rule = add_authorization_rule(
        session=session,
        actor=VENDOR,
        program_id=pid(world.reseller_program),
        effect="allow",
        scope="group",
        value="Analytics Suite",
    )
    again = add_authorization_rule(
        session=session,
        actor=VENDOR,
        program_id=pid(world.reseller_program),
        effect="allow",
        scope="group",
        value="Analytics Suite",
    )
    assert again.id == rule.id  # idempotent
    assert "CS-ANA-002" in _skus(session, world, pid(world.a))
    assert rule.id is not None
    remove_authorization_rule(rule.id, session=session, actor=VENDOR)
    assert "CS-ANA-002" not in _skus(session, world, pid(world.a))
    assert [e.action for e in audit_trail(session, "authorization_rule", rule.id)] == [
        "create",
        "delete",
    ]
    assert session.exec(select(AuditEntry).where(AuditEntry.entity == "authorization_rule")).all()
