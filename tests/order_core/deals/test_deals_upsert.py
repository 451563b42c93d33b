"""Deals: the idempotent upsert by (source, CRM id), CRM field ownership, replays, and partner scope."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlmodel import Session, select

from order_core.actors import Actor
from order_core.audit import audit_trail
from order_core.customers.models import CustomerAssociation
from order_core.deals.models import Deal
from order_core.deals.services import (
    DealUpsert,
    DealValue,
    find_deal,
    get_deal,
    list_deals,
    update_deal,
    upsert_deal,
    upsert_deals,
)
from order_core.errors import AccessDenied, NotFoundError, ValidationFailed
from tests.order_core.partners.world import World, build_world, pid

SYNC = Actor.system("salesforce-sync")
T0 = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def world(session: Session) -> World:
    return build_world(session)


def _values(world: World, **extra: DealValue) -> dict[str, DealValue]:
    values: dict[str, DealValue] = {
        "name": "Acme renewal",
        "stage": "Prospecting",
        "amount": Decimal("1200.00"),
        "currency": "USD",
        "close_date": date(2026, 6, 30),
        "partner_id": pid(world.b),
        "end_customer_id": pid(world.customer_a),
        "crm_modified_at": T0,
    }
    values.update(extra)
    return values


def test_upsert_is_idempotent_and_respects_ownership(session: Session, world: World) -> None:
    owned = ["name", "stage", "amount", "currency", "close_date", "partner_id", "end_customer_id"]
    deal, outcome = upsert_deal(
        "salesforce", "006A", _values(world), session=session, actor=SYNC, owned_fields=owned
    )
    assert outcome == "created" and deal.crm_owned_fields == ",".join(sorted(owned))
    _, outcome = upsert_deal("salesforce", "006A", _values(world), session=session, actor=SYNC)
    assert outcome == "unchanged"
    # The core owns quote_requested and the registration fields: the CRM may not overwrite them.
    update_deal(
        pid_d(deal),
        {"quote_requested": True, "registration_status": "approved"},
        session=session,
        actor=SYNC,
    )
    later = _values(
        world,
        stage="Negotiation/Review",
        amount=Decimal("1500"),
        quote_requested=False,
        registration_status="rejected",
        crm_modified_at=T0 + timedelta(hours=1),
    )
    deal, outcome = upsert_deal("salesforce", "006A", later, session=session, actor=SYNC)
    assert outcome == "updated"
    session.expunge_all()
    stored = find_deal(session, "salesforce", "006A")
    assert stored is not None
    assert (stored.stage, stored.amount, stored.quote_requested, stored.registration_status) == (
        "Negotiation/Review",
        Decimal("1500"),
        True,
        "approved",
    )
    assert stored.crm_modified_at == T0 + timedelta(hours=1)
    # A replay of the older record changes nothing.
    _, outcome = upsert_deal("salesforce", "006A", _values(world), session=session, actor=SYNC)
    assert outcome == "unchanged"
    assert session.exec(select(Deal)).one().stage == "Negotiation/Review"
    actions = [e.action for e in audit_trail(session, "deal", pid_d(stored))]
    assert actions == ["crm_create", "update", "crm_update"]
    crm_change = json.loads(audit_trail(session, "deal", pid_d(stored))[-1].changes)
    assert crm_change["stage"] == ["Prospecting", "Negotiation/Review"]
    assert "quote_requested" not in crm_change
    # The core cannot change what the CRM owns.
    with pytest.raises(ValidationFailed, match="owned by the CRM"):
        update_deal(pid_d(stored), {"stage": "Closed Won"}, session=session, actor=SYNC)


def test_deal_associates_customer_with_reseller(session: Session, world: World) -> None:
    upsert_deal("hubspot", "77", _values(world), session=session, actor=SYNC)
    rows = session.exec(
        select(CustomerAssociation).where(CustomerAssociation.customer_id == world.customer_a.id)
    ).all()
    assert {(r.partner_id, r.origin) for r in rows} == {
        (world.a.id, "manual"),
        (world.b.id, "deal"),
    }


def test_batch_upsert_and_validation(session: Session, world: World) -> None:
    batch = [
        DealUpsert("salesforce", f"006B{i}", _values(world, name=f"Deal {i}")) for i in range(5)
    ]
    results = upsert_deals(batch, session=session, actor=SYNC)
    assert [o for _, o in results] == ["created"] * 5
    results = upsert_deals(
        [*batch[:2], DealUpsert("salesforce", "006C", _values(world))], session=session, actor=SYNC
    )
    assert [o for _, o in results] == ["unchanged", "unchanged", "created"]
    bad = [
        DealUpsert(
            "salesforce",
            "006D",
            {"name": "x", "amount": 1.5, "registration_status": "maybe"},  # type: ignore[dict-item]
        ),
        DealUpsert("salesforce", "006E", {"name": "y", "partner_id": 999, "color": "red"}),
    ]
    with pytest.raises(ValidationFailed) as err:
        upsert_deals(bad, session=session, actor=SYNC)
    assert {(p.record, p.field) for p in err.value.problems} == {
        ("deal salesforce:006D", "amount"),
        ("deal salesforce:006D", "registration_status"),
        ("deal salesforce:006E", "color"),
        ("deal salesforce:006E", "partner_id"),
    }
    assert len(session.exec(select(Deal)).all()) == 6
    with pytest.raises(ValidationFailed, match="needs a name"):
        upsert_deal("salesforce", "006F", {"stage": "x"}, session=session, actor=SYNC)
    with pytest.raises(AccessDenied):
        upsert_deal("salesforce", "006G", {"name": "x"}, session=session, actor=world.a_admin)


def test_get_and_list_in_partner_scope(session: Session, world: World) -> None:
    b_deal, _ = upsert_deal("salesforce", "1", _values(world), session=session, actor=SYNC)
    upsert_deal(
        "salesforce",
        "2",
        _values(world, partner_id=pid(world.a), quote_requested=True),
        session=session,
        actor=SYNC,
    )
    upsert_deal("salesforce", "3", _values(world, partner_id=None), session=session, actor=SYNC)
    assert [d.crm_id for d in list_deals(session=session, actor=world.b_buyer)] == ["1"]
    assert [d.crm_id for d in list_deals(session=session, actor=SYNC)] == ["1", "2", "3"]
    assert [d.crm_id for d in list_deals(session=session, actor=SYNC, quote_requested=True)] == [
        "2"
    ]
    assert [d.crm_id for d in list_deals(session=session, actor=SYNC, partner_id=pid(world.a))] == [
        "2"
    ]
    assert get_deal(pid_d(b_deal), session=session, actor=world.b_buyer).crm_id == "1"
    with pytest.raises(NotFoundError):
        get_deal(pid_d(b_deal), session=session, actor=world.a_buyer)
    with pytest.raises(NotFoundError):
        list_deals(session=session, actor=world.a_buyer, partner_id=pid(world.b))
    upsert_deal(
        "salesforce",
        "1",
        {"deleted_in_crm": True, "crm_modified_at": T0 + timedelta(days=1)},
        session=session,
        actor=SYNC,
    )
    assert [d.crm_id for d in list_deals(session=session, actor=SYNC)] == ["2", "3"]


def pid_d(deal: Deal) -> int:
    assert deal.id is not None
    return deal.id


def test_same_new_deal_twice_in_one_batch(session: Session, world: World) -> None:
    first = DealUpsert("hubspot", "9", _values(world, stage="Prospecting"))
    second = DealUpsert("hubspot", "9", _values(world, stage="Qualification"))
    results = upsert_deals([first, second], session=session, actor=SYNC)
    assert [o for _, o in results] == ["created", "updated"]
    assert results[0][0].id == results[1][0].id
    session.expunge_all()
    stored = find_deal(session, "hubspot", "9")
    assert stored is not None and stored.stage == "Qualification"
    assert len(session.exec(select(Deal)).all()) == 1
