"""A pull that brings new partners and buyers leaves the catalog stamp, so checkouts keep their
remembered context; a change to an existing partner still invalidates it (both databases)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlmodel import Session, col

from order_core.actors import Actor
from order_core.catalog.snapshot import snapshot_values
from order_core.catalog.version import read_stamp
from order_core.orders.context import buyer_context
from order_core.partners.buyers import buyer_actor
from order_core.partners.models import Buyer, Partner, ProgramMembership
from order_core.partners.programs import create_program
from order_core.sync.apply import apply_page
from order_core.sync.records import CrmRecord
from order_core.types import utcnow
from tests.order_core.sync.test_apply_page import SYNC, T0, page, partner, rec


@pytest.fixture
def programs(session: Session) -> None:
    for code in ("RESELLER", "PREMIER"):
        create_program(code, code.title(), session=session, actor=Actor.vendor("admin"))


def _stamp(session: Session) -> int | None:
    value = read_stamp(session.connection())
    session.rollback()
    return value


def _buyer(crm_id: str, email: str, partner_crm_id: str) -> CrmRecord:
    values: dict[str, object] = {"email": email, "name": email.split("@")[0], "role": "buyer"}
    return rec("buyer", crm_id, values, refs={"partner": partner_crm_id})


def _buyer_id(session: Session, email: str) -> int:
    buyer_id = session.execute(select(col(Buyer.id)).where(col(Buyer.email) == email)).scalar_one()
    session.rollback()
    assert buyer_id is not None
    return int(buyer_id)


def test_new_partners_memberships_and_buyers_leave_the_stamp(
    session: Session, programs: None
) -> None:
    before = _stamp(session)
    assert before is not None
    apply_page(page("Account", partner("P1"), partner("P2")), session=session, actor=SYNC)
    apply_page(page("Contact", _buyer("K1", "ann@p1.example", "P1")), session=session, actor=SYNC)
    assert _stamp(session) == before
    members = session.execute(select(col(ProgramMembership.partner_id))).scalars().all()
    assert len(members) == 2 and session.execute(select(Buyer)).scalars().one().active
    session.rollback()


def test_a_remembered_checkout_context_survives_new_partners_not_a_changed_one(
    session: Session, programs: None
) -> None:
    apply_page(page("Account", partner("P1")), session=session, actor=SYNC)
    apply_page(page("Contact", _buyer("K1", "ann@p1.example", "P1")), session=session, actor=SYNC)
    actor = buyer_actor(session, _buyer_id(session, "ann@p1.example"))
    today = utcnow().date()
    first = buyer_context(session, actor, None, today)
    assert first.program == "RESELLER"
    remembered = snapshot_values(session)
    session.rollback()
    assert remembered is not None and any(
        isinstance(k, tuple) and k[0] == "buyer_context" for k in remembered
    )

    # New partners and a new buyer of another partner: the same remembered values still apply.
    apply_page(page("Account", partner("P2"), partner("P3")), session=session, actor=SYNC)
    apply_page(page("Contact", _buyer("K2", "bob@p2.example", "P2")), session=session, actor=SYNC)
    assert snapshot_values(session) is remembered
    assert buyer_context(session, actor, None, today) is first
    session.rollback()

    # The buyer's own partner renamed in the CRM: the stamp moves, the context is computed again.
    renamed = replace(partner("P1", name="Reseller Renamed"), stamp=T0 + timedelta(minutes=1))
    apply_page(page("Account", renamed), session=session, actor=SYNC)
    assert snapshot_values(session) is not remembered
    again = buyer_context(session, actor, None, today)
    assert again.partner.name == "Reseller Renamed"
    session.rollback()


def test_an_existing_partner_joining_another_program_moves_the_stamp(
    session: Session, programs: None
) -> None:
    apply_page(page("Account", partner("P1")), session=session, actor=SYNC)
    before = _stamp(session)
    moved = replace(partner("P1", program="PREMIER"), stamp=T0 + timedelta(minutes=1))
    apply_page(page("Account", moved), session=session, actor=SYNC)
    assert _stamp(session) != before
    partner_id = session.execute(select(col(Partner.id))).scalar_one()
    programs_of = session.execute(
        select(col(ProgramMembership.program_id)).where(
            col(ProgramMembership.partner_id) == partner_id
        )
    ).scalars()
    assert len(set(programs_of)) == 2
    session.rollback()
