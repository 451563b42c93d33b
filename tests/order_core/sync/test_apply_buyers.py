"""apply_page for authorized buyers: a partner contact changed in the CRM updates its buyer."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlmodel import Session

from order_core.actors import Actor
from order_core.partners.models import Buyer
from order_core.partners.programs import create_program
from order_core.sync.apply import apply_page
from order_core.sync.models import QuarantineEntry
from order_core.sync.records import CrmRecord
from tests.order_core.sync.test_apply_page import SYNC, T0, count, page, partner, rec


@pytest.fixture
def reseller_program(session: Session) -> None:
    create_program("RESELLER", "Reseller Program", session=session, actor=Actor.vendor("admin"))


def _buyer(name: str, role: str, minutes: int = 0) -> CrmRecord:
    return rec(
        "buyer",
        "K1",
        {"email": "ann@reseller.example", "name": name, "role": role},
        refs={"partner": "P1"},
        at=T0 + timedelta(minutes=minutes),
    )


def test_a_buyer_changed_in_the_crm_is_updated_not_refused_as_its_own_duplicate(
    session: Session, reseller_program: None
) -> None:
    apply_page(page("Account", partner("P1")), session=session, actor=SYNC)
    first = apply_page(page("Contact", _buyer("Ann", "buyer")), session=session, actor=SYNC)
    assert first.total("created") == 1
    again = apply_page(
        page("Contact", _buyer("Ann Lee", "approver", 1)), session=session, actor=SYNC
    )
    assert again.total("updated") == 1 and again.total("quarantined") == 0
    assert count(session, QuarantineEntry) == 0
    buyer = session.execute(select(Buyer)).scalars().one()
    assert (buyer.name, buyer.role) == ("Ann Lee", "approver")
