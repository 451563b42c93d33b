"""Partners and programs: create / update / list / get, memberships, CRM refs, distributors, branding."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest
from sqlmodel import Session

from order_core.audit import audit_trail
from order_core.errors import AccessDenied, ConflictError, NotFoundError, ValidationFailed
from order_core.partners.branding import branding_of, get_branding, set_branding
from order_core.partners.buyers import add_buyer, buyer_actor
from order_core.partners.programs import (
    active_programs,
    add_membership,
    create_program,
    end_membership,
    get_program_by_code,
    list_memberships,
    list_programs,
    update_program,
)
from order_core.partners.services import (
    create_partner,
    crm_refs,
    distributors_of,
    find_partner_by_crm_ref,
    get_partner,
    link_distributor,
    list_partners,
    set_crm_ref,
    update_partner,
)
from tests.order_core.partners.world import VENDOR, World, build_world, pid, pid_b


@pytest.fixture
def world(session: Session) -> World:
    return build_world(session)


def test_create_update_list_get(session: Session, world: World) -> None:
    with pytest.raises(ValidationFailed) as err:
        create_partner(
            " ", session=session, actor=VENDOR, kind="agent", tier="Bronze", country="usa"
        )
    assert {p.field for p in err.value.problems} == {"name", "kind", "tier", "country"}
    updated = update_partner(
        pid(world.a), {"tier": "Platinum", "locale": "en_GB"}, session=session, actor=VENDOR
    )
    assert updated.tier == "Platinum"
    trail = audit_trail(session, "partner", pid(world.a))
    assert trail[0].action == "create" and trail[-1].action == "update"
    assert json.loads(trail[-1].changes) == {
        "tier": ["Gold", "Platinum"],
        "locale": ["en_US", "en_GB"],
    }
    assert trail[-1].actor == "admin@vendor.example"
    with pytest.raises(ValidationFailed, match="id"):
        update_partner(pid(world.a), {"id": 99}, session=session, actor=VENDOR)
    with pytest.raises(AccessDenied):
        update_partner(pid(world.a), {"tier": "Gold"}, session=session, actor=world.a_admin)
    assert [p.name for p in list_partners(session=session, actor=VENDOR)] == [
        "Alpha Partners",
        "Beta Partners",
        "Delta Distribution",
    ]
    assert [p.name for p in list_partners(session=session, actor=VENDOR, kind="distributor")] == [
        "Delta Distribution"
    ]
    assert [p.id for p in list_partners(session=session, actor=world.b_buyer)] == [pid(world.b)]
    update_partner(pid(world.b), {"active": False}, session=session, actor=VENDOR)
    assert len(list_partners(session=session, actor=VENDOR)) == 2
    assert len(list_partners(session=session, actor=VENDOR, include_inactive=True)) == 3
    assert get_partner(pid(world.a), session=session, actor=world.a_buyer).name == "Alpha Partners"
    with pytest.raises(NotFoundError):
        get_partner(999, session=session, actor=VENDOR)


def test_programs_and_memberships(session: Session, world: World) -> None:
    with pytest.raises(ConflictError):
        create_program("RESELLER", "Dup", session=session, actor=VENDOR)
    with pytest.raises(ValidationFailed, match="shoe_size"):
        create_program(
            "X", "X", session=session, actor=VENDOR, required_customer_fields=["shoe_size"]
        )
    with pytest.raises(AccessDenied):
        create_program("Y", "Y", session=session, actor=world.a_admin)
    prog = update_program(
        pid(world.reseller_program),
        session=session,
        actor=VENDOR,
        required_customer_fields=["name", "city"],
    )
    assert prog.required_customer_fields == "name,city"
    assert get_program_by_code(session, "DIST") is not None
    assert [p.code for p in list_programs(session=session, actor=world.a_buyer)] == [
        "DIST",
        "RESELLER",
    ]
    with pytest.raises(ConflictError, match="already in program"):
        add_membership(
            pid(world.a),
            pid(world.reseller_program),
            session=session,
            actor=VENDOR,
            starts_on=date(2026, 3, 1),
        )
    membership = list_memberships(pid(world.a), session=session, actor=VENDOR)[0]
    assert membership.id is not None
    end_membership(membership.id, date(2026, 2, 28), session=session, actor=VENDOR)
    later = add_membership(
        pid(world.a),
        pid(world.dist_program),
        session=session,
        actor=VENDOR,
        starts_on=date(2026, 3, 1),
    )
    assert later.ends_on is None
    assert [p.code for p in active_programs(session, pid(world.a), date(2026, 2, 1))] == [
        "RESELLER"
    ]
    assert [p.code for p in active_programs(session, pid(world.a), date(2026, 3, 1))] == ["DIST"]
    assert [p.code for p in active_programs(session, pid(world.a), date(2025, 12, 31))] == []
    history = list_memberships(pid(world.a), session=session, actor=world.a_buyer)
    assert [(m.starts_on, m.ends_on) for m in history] == [
        (date(2026, 1, 1), date(2026, 2, 28)),
        (date(2026, 3, 1), None),
    ]
    with pytest.raises(ValidationFailed, match="ends_on"):
        add_membership(
            pid(world.b),
            pid(world.dist_program),
            session=session,
            actor=VENDOR,
            starts_on=date(2026, 5, 1),
            ends_on=date(2026, 4, 1),
        )
    actions = [e.action for e in audit_trail(session, "partner", pid(world.a))]
    assert actions.count("add_membership") == 2 and actions.count("end_membership") == 1


def test_crm_refs(session: Session, world: World) -> None:
    set_crm_ref(pid(world.a), "salesforce", "001A", session=session, actor=VENDOR)
    set_crm_ref(pid(world.a), "hubspot", "9001", session=session, actor=VENDOR)
    set_crm_ref(pid(world.a), "salesforce", "001B", session=session, actor=VENDOR)
    assert crm_refs(pid(world.a), session=session, actor=world.a_buyer) == {
        "salesforce": "001B",
        "hubspot": "9001",
    }
    found = find_partner_by_crm_ref(session, "salesforce", "001B")
    assert found is not None and found.id == world.a.id
    assert find_partner_by_crm_ref(session, "salesforce", "001A") is None
    with pytest.raises(ConflictError, match="already belongs"):
        set_crm_ref(pid(world.b), "salesforce", "001B", session=session, actor=VENDOR)
    changes = [
        json.loads(e.changes)
        for e in audit_trail(session, "partner", pid(world.a))
        if e.action == "set_crm_ref"
    ]
    assert changes[-1] == {"crm_salesforce": ["001A", "001B"]}


def test_distributor_relations_and_branding(session: Session, world: World) -> None:
    other = create_partner("Omega Distribution", session=session, actor=VENDOR, kind="distributor")
    first = link_distributor(
        pid(world.a),
        pid(world.dist),
        session=session,
        actor=VENDOR,
        terms_percent_off=Decimal("3.5"),
    )
    link_distributor(pid(world.a), pid(other), session=session, actor=VENDOR)
    rels = distributors_of(pid(world.a), session=session, actor=world.a_buyer)
    assert [(r.distributor_id, r.is_default) for r in rels] == [
        (other.id, True),
        (world.dist.id, False),
    ]
    assert first.terms_percent_off == Decimal("3.5")
    with pytest.raises(ValidationFailed, match="is a reseller"):
        link_distributor(pid(world.a), pid(world.b), session=session, actor=VENDOR)
    with pytest.raises(ValidationFailed, match="terms_percent_off"):
        link_distributor(
            pid(world.a),
            pid(world.dist),
            session=session,
            actor=VENDOR,
            terms_percent_off=Decimal("150"),
        )
    dist_admin = buyer_actor(
        session,
        pid_b(
            add_buyer(
                pid(world.dist),
                "ops@delta.example",
                "Dee",
                session=session,
                actor=VENDOR,
                role="admin",
            )
        ),
    )
    with pytest.raises(ValidationFailed) as err:
        set_branding(
            pid(world.dist),
            session=session,
            actor=dist_admin,
            display_name="",
            primary_color="red",
            logo_url="ftp://x",
        )
    assert {p.field for p in err.value.problems} == {"display_name", "primary_color", "logo_url"}
    with pytest.raises(NotFoundError):
        get_branding(pid(world.dist), session=session, actor=VENDOR)
    profile = set_branding(
        pid(world.dist),
        session=session,
        actor=dist_admin,
        display_name="Delta",
        logo_url="https://delta.example/logo.png",
        primary_color="#112233",
    )
    assert get_branding(pid(world.dist), session=session, actor=dist_admin).id == profile.id
    assert branding_of(session, pid(world.dist)) is not None
    # A reseller brands the documents it issues; a logo is stored embedded, and must be an image.
    own = set_branding(
        pid(world.a), session=session, actor=VENDOR, display_name="Alpha", logo=b"GIF89a\x01\x00"
    )
    assert own.logo == "data:image/gif;base64,R0lGODlhAQA="
    with pytest.raises(ValidationFailed, match="logo: is not a PNG, JPEG, GIF or SVG image"):
        set_branding(pid(world.a), session=session, actor=VENDOR, display_name="A", logo=b"<p>")
    with pytest.raises(AccessDenied):
        set_branding(pid(world.a), session=session, actor=world.a_buyer, display_name="Alpha")
    assert any(e.action == "set_branding" for e in audit_trail(session, "partner", pid(world.dist)))
