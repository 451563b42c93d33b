"""The end customer's reseller of record shows in each CRM, and a change of reseller moves it."""

from __future__ import annotations

import pytest
from sqlmodel import select

from order_core.customers.associations import associate_customer, set_reseller_of_record
from order_core.customers.models import EndCustomer
from order_core.db import new_session
from order_core.pushback.snapshots import crm_ids
from tests.e2e.push_world import ADMIN, HS, SF, PushWorld

ROLE = "VAR/Reseller"


def _marks(world: PushWorld, source: str, customer: str, partner: str) -> int:
    if source == SF:
        where = {"AccountFromId": customer, "AccountToId": partner, "Role": ROLE}
        return world.sandboxes.sf.app.admin_api.count_records("Partner", where)
    pairs = world.sandboxes.hs.app.count_associations("companies", "companies", label="Reseller")
    return pairs.get((int(customer), int(partner)), 0)


def _move(world: PushWorld, customer_id: int, partner_id: int) -> None:
    with new_session(world.engine) as session:
        associate_customer(session, customer_id, partner_id, "deal", actor=ADMIN)
        set_reseller_of_record(customer_id, partner_id, session=session, actor=ADMIN)
        session.commit()


@pytest.mark.parametrize("source", [SF, HS])
def test_the_reseller_of_record_shows_and_moves(world: PushWorld, source: str) -> None:
    report = world.push(source)
    assert report.topics[f"crm:{source}:end_customer"].dead_lettered == 0, report.as_dict()
    with new_session(world.engine) as session:
        customers = session.exec(select(EndCustomer)).all()
        by_crm = crm_ids(session, source, "end_customer", [c.id for c in customers if c.id])
        customer = next(c for c in customers if c.id in by_crm)
        assert customer.id is not None
        partners = crm_ids(session, source, "partner", list(range(1, 200)))
    first, second = [p for p in partners if p != customer.reseller_of_record_id][:2]
    crm_customer = by_crm[customer.id]
    _move(world, customer.id, first)
    report = world.push(source)
    assert report.topics[f"crm:{source}:end_customer"].delivered >= 1, report.as_dict()
    assert _marks(world, source, crm_customer, partners[first]) == 1
    _move(world, customer.id, second)
    report = world.push(source)
    assert report.topics[f"crm:{source}:end_customer"].delivered >= 1, report.as_dict()
    assert _marks(world, source, crm_customer, partners[second]) == 1
    assert _marks(world, source, crm_customer, partners[first]) == 0
    assert world.push(source).delivered == 0
