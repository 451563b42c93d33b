"""End customers: dedupe, edit, association with resellers, recent customers, program customer-info check."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from sqlmodel import Session, select

from order_core.audit import audit_trail
from order_core.customers.associations import (
    associate_customer,
    customer_associations,
    recent_customers,
    set_reseller_of_record,
)
from order_core.customers.models import CustomerAssociation, EndCustomer
from order_core.customers.requirements import check_customer_info
from order_core.customers.services import (
    create_customer,
    get_customer,
    list_customers,
    update_customer,
)
from order_core.errors import ConflictError, NotFoundError, ValidationFailed
from order_core.partners.programs import update_program
from tests.order_core.partners.world import VENDOR, World, build_world, pid


@pytest.fixture
def world(session: Session) -> World:
    return build_world(session)


def test_dedupe_by_email_domain_and_crm_id(session: Session, world: World) -> None:
    same_email, created = create_customer(
        {"name": "ACME corp (dup)", "email": "  IT@Acme.Example "}, session=session, actor=VENDOR
    )
    assert not created and same_email.id == world.customer_a.id
    same_domain, created = create_customer(
        {"name": "Acme Inc", "email": "ceo@acme.example"}, session=session, actor=VENDOR
    )
    assert not created and same_domain.id == world.customer_a.id
    by_site, created = create_customer(
        {"name": "Acme", "domain": "https://www.ACME.example/contact"},
        session=session,
        actor=VENDOR,
    )
    assert not created and by_site.id == world.customer_a.id
    crm, created = create_customer(
        {"name": "Initech", "crm_source": "salesforce", "crm_id": "001X"},
        session=session,
        actor=VENDOR,
    )
    assert created
    again, created = create_customer(
        {"name": "Initech LLC", "crm_source": "salesforce", "crm_id": "001X"},
        session=session,
        actor=VENDOR,
    )
    assert not created and again.id == crm.id
    # Mailbox-provider domains never dedupe two different companies.
    one, c1 = create_customer(
        {"name": "Solo One", "email": "one@gmail.com"}, session=session, actor=VENDOR
    )
    two, c2 = create_customer(
        {"name": "Solo Two", "email": "two@gmail.com"}, session=session, actor=VENDOR
    )
    assert c1 and c2 and one.id != two.id and one.domain is None
    assert len(session.exec(select(EndCustomer)).all()) == 5
    with pytest.raises(ValidationFailed) as err:
        create_customer(
            {"name": "", "email": "x@", "country": "USA", "crm_id": "7"},
            session=session,
            actor=VENDOR,
        )
    assert {p.field for p in err.value.problems} == {"name", "email", "country", "crm_id"}


def test_association_reseller_of_record_and_history(session: Session, world: World) -> None:
    customer = world.customer_a
    assert customer.reseller_of_record_id == world.a.id
    # B creates the same company: deduped, associated with B, A stays reseller of record.
    dup, created = create_customer(
        {"name": "Acme", "email": "buyer@acme.example"}, session=session, actor=world.b_buyer
    )
    assert not created and dup.id == customer.id and dup.reseller_of_record_id == world.a.id
    history = customer_associations(pid(customer), session=session, actor=VENDOR)
    assert [(h.partner_id, h.origin) for h in history] == [
        (world.a.id, "manual"),
        (world.b.id, "manual"),
    ]
    assert history[0].since <= history[1].since
    # A partner sees only its own association.
    own = customer_associations(pid(customer), session=session, actor=world.b_buyer)
    assert [h.partner_id for h in own] == [world.b.id]
    set_reseller_of_record(pid(customer), pid(world.b), session=session, actor=VENDOR)
    changes = [json.loads(e.changes) for e in audit_trail(session, "end_customer", pid(customer))]
    assert {"reseller_of_record_id": [world.a.id, world.b.id]} in changes
    with pytest.raises(ValidationFailed, match="not associated"):
        set_reseller_of_record(pid(customer), pid(world.dist), session=session, actor=VENDOR)
    # Associating again only refreshes the activity time.
    later = datetime(2030, 1, 1, tzinfo=UTC)
    associate_customer(session, pid(customer), pid(world.a), "order", at=later)
    session.commit()
    rows = session.exec(
        select(CustomerAssociation).where(CustomerAssociation.partner_id == world.a.id)
    ).all()
    assert len(rows) == 1 and rows[0].origin == "manual" and rows[0].last_activity_at == later
    with pytest.raises(ValidationFailed, match="origin"):
        associate_customer(session, pid(customer), pid(world.a), "telepathy")


def test_recent_customers_and_listing(session: Session, world: World) -> None:
    newer, _ = create_customer(
        {"name": "Newer Co", "email": "a@newer.example"}, session=session, actor=world.a_buyer
    )
    assert [
        c.name for c in recent_customers(pid(world.a), session=session, actor=world.a_buyer)
    ] == [
        "Newer Co",
        "Acme Corp",
    ]
    associate_customer(
        session, pid(world.customer_a), pid(world.a), "order", at=datetime(2031, 1, 1, tzinfo=UTC)
    )
    session.commit()
    assert [
        c.name for c in recent_customers(pid(world.a), session=session, actor=VENDOR, limit=1)
    ] == ["Acme Corp"]
    assert [c.name for c in list_customers(session=session, actor=world.a_buyer)] == [
        "Acme Corp",
        "Newer Co",
    ]
    assert [c.name for c in list_customers(session=session, actor=VENDOR)] == [
        "Acme Corp",
        "Globex GmbH",
        "Newer Co",
    ]
    assert get_customer(pid(newer), session=session, actor=world.a_admin).name == "Newer Co"
    with pytest.raises(NotFoundError):
        get_customer(pid(newer), session=session, actor=world.b_buyer)


def test_edit_keeps_dedupe_keys_unique(session: Session, world: World) -> None:
    a_id, b_id = pid(world.customer_a), pid(world.customer_b)
    edited = update_customer(
        a_id,
        {"city": "Springfield", "country": "us"},
        session=session,
        actor=world.a_buyer,
    )
    assert edited.city == "Springfield" and edited.country == "US"
    trail = audit_trail(session, "end_customer", a_id)
    assert json.loads(trail[-1].changes) == {"city": [None, "Springfield"]}
    with pytest.raises(ConflictError, match="email is already used"):
        update_customer(b_id, {"email": "it@acme.example"}, session=session, actor=VENDOR)
    with pytest.raises(ValidationFailed, match="unknown field"):
        update_customer(a_id, {"shoe": "42"}, session=session, actor=VENDOR)
    with pytest.raises(ValidationFailed, match="crm_source and crm_id"):
        update_customer(a_id, {"crm_id": "5"}, session=session, actor=VENDOR)
    session.expunge_all()
    assert get_customer(b_id, session=session, actor=VENDOR).email == "einkauf@globex.example"


def test_program_customer_info_required(session: Session, world: World) -> None:
    bare, _ = create_customer({"name": "Bare Ltd"}, session=session, actor=world.a_buyer)
    with pytest.raises(ValidationFailed) as err:
        check_customer_info(session, pid(world.a), bare)
    assert [(p.field, p.reason) for p in err.value.problems] == [
        ("email", "is required by program RESELLER; fill it in first"),
        ("country", "is required by program RESELLER; fill it in first"),
    ]
    check_customer_info(session, pid(world.a), world.customer_a)  # complete: passes
    check_customer_info(session, pid(world.dist), bare)  # DIST does not require it
    with pytest.raises(ValidationFailed, match="name"):
        check_customer_info(session, pid(world.a), None)
    update_program(
        pid(world.reseller_program), session=session, actor=VENDOR, customer_info_required=False
    )
    check_customer_info(session, pid(world.a), bare)
