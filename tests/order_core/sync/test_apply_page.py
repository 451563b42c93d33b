"""apply_page: pulled CRM records become core rows in one transaction; nothing unchanged is written."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlmodel import Session, col

from order_core.actors import Actor
from order_core.audit import AuditEntry
from order_core.customers.models import CustomerAssociation, EndCustomer
from order_core.deals.models import Deal, DealLine
from order_core.partners.models import Buyer, Partner, PartnerCrmRef, ProgramMembership
from order_core.partners.programs import create_program
from order_core.sync.apply import apply_page
from order_core.sync.cursors import read_cursor
from order_core.sync.models import QuarantineEntry, SyncRecord
from order_core.sync.quarantine import retryable
from order_core.sync.records import CrmRecord, CrmReject, SyncPage

SYNC = Actor.system("test-sync")
T0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
SRC = "acme-sf"


def rec(
    target: str,
    crm_id: str,
    values: dict[str, object],
    *,
    refs: dict[str, str | None] | None = None,
    at: datetime = T0,
    deleted: bool = False,
    owned: frozenset[str] | None = None,
) -> CrmRecord:
    digest = json.dumps(
        [sorted((k, str(v)) for k, v in values.items()), sorted((refs or {}).items()), deleted]
    )
    return CrmRecord(
        target,
        crm_id,
        at,
        values,
        refs or {},
        owned if owned is not None else frozenset(values) | frozenset(refs or {}),
        digest[-32:] if len(digest) <= 32 else str(abs(hash(digest))),
        deleted,
    )


def page(
    obj: str, *records: CrmRecord | CrmReject, cursor: tuple[datetime, str] | None = None
) -> SyncPage:
    return SyncPage(
        SRC,
        obj,
        list(records),
        {r.crm_id: json.dumps({"Id": r.crm_id}) for r in records},
        1,
        cursor,
    )


def count(session: Session, model: type) -> int:
    return int(session.execute(select(func.count()).select_from(model)).scalar_one())


@pytest.fixture
def programs(session: Session) -> None:
    create_program("RESELLER", "Reseller Program", session=session, actor=Actor.vendor("admin"))


def partner(crm_id: str, name: str = "Reseller Co", **extra: object) -> CrmRecord:
    return rec(
        "partner",
        crm_id,
        {
            "name": name,
            "kind": "reseller",
            "tier": "Gold",
            "program": "RESELLER",
            "country": "US",
            **extra,
        },
    )


def deal(
    crm_id: str, *, partner_id: str | None = "P1", customer: str | None = "C1", **extra: object
) -> CrmRecord:
    values: dict[str, object] = {
        "name": f"Deal {crm_id}",
        "stage": "Prospecting",
        "amount": Decimal("100.50"),
        "currency": "USD",
        "quote_requested": False,
        **extra,
    }
    return rec("deal", crm_id, values, refs={"partner": partner_id, "end_customer": customer})


def test_a_full_world_in_parent_order(session: Session, programs: None) -> None:
    r1 = apply_page(
        page(
            "Account",
            partner("P1"),
            rec("end_customer", "C1", {"name": "End Co", "domain": "end.example", "country": "DE"}),
            cursor=(T0, "C1"),
        ),
        session=session,
        actor=SYNC,
    )
    assert r1.total("created") == 2
    apply_page(
        page(
            "Contact",
            rec(
                "buyer",
                "K1",
                {"email": "ana@reseller.example", "name": "Ana Ito", "role": "approver"},
                refs={"partner": "P1"},
            ),
        ),
        session=session,
        actor=SYNC,
    )
    apply_page(page("Opportunity", deal("D1")), session=session, actor=SYNC)
    apply_page(
        page(
            "OpportunityLineItem",
            rec(
                "deal_line",
                "L1",
                {"sku": "CS-PLA-001", "quantity": Decimal("3"), "unit_price": Decimal("1200.00")},
                refs={"deal": "D1"},
            ),
        ),
        session=session,
        actor=SYNC,
    )

    p = session.execute(select(Partner)).scalars().one()
    assert (p.name, p.tier, p.kind) == ("Reseller Co", "Gold", "reseller")
    assert session.execute(select(col(PartnerCrmRef.crm_id))).scalar_one() == "P1"
    assert count(session, ProgramMembership) == 1
    customer = session.execute(select(EndCustomer)).scalars().one()
    assert (customer.crm_source, customer.crm_id, customer.domain) == (SRC, "C1", "end.example")
    buyer = session.execute(select(Buyer)).scalars().one()
    assert (buyer.partner_id, buyer.role, buyer.email) == (p.id, "approver", "ana@reseller.example")
    d = session.execute(select(Deal)).scalars().one()
    assert (d.source, d.crm_id, d.partner_id, d.end_customer_id, d.amount) == (
        SRC,
        "D1",
        p.id,
        customer.id,
        Decimal("100.50"),
    )
    line = session.execute(select(DealLine)).scalars().one()
    assert (line.deal_id, line.sku, line.quantity, line.unit_price) == (
        d.id,
        "CS-PLA-001",
        Decimal("3"),
        Decimal("1200.00"),
    )
    assert session.execute(select(col(CustomerAssociation.partner_id))).scalar_one() == p.id
    assert read_cursor(session, SRC, "Account") == (T0, "C1")
    assert count(session, SyncRecord) == 5


def test_a_second_identical_page_writes_nothing(session: Session, programs: None) -> None:
    first = page("Account", partner("P1"), cursor=(T0, "P1"))
    apply_page(first, session=session, actor=SYNC)
    audits = count(session, AuditEntry)
    result = apply_page(
        page("Account", partner("P1"), cursor=(T0, "P1")), session=session, actor=SYNC
    )
    assert result.total("unchanged") == 1 and result.total("updated") == 0
    assert count(session, AuditEntry) == audits


def test_a_child_before_its_parent_waits_in_the_quarantine(
    session: Session, programs: None
) -> None:
    result = apply_page(
        page("Opportunity", deal("D1", partner_id="P9", customer=None)), session=session, actor=SYNC
    )
    assert result.total("quarantined") == 1 and count(session, Deal) == 0
    entry = session.execute(select(QuarantineEntry)).scalars().one()
    assert (entry.waiting_target, entry.waiting_crm_id) == ("partner", "P9")
    assert entry.reason == "partner: waiting for partner P9, which has not arrived yet"
    assert retryable(session, SRC) == []
    apply_page(page("Account", partner("P9")), session=session, actor=SYNC)
    assert [e.crm_id for e in retryable(session, SRC)] == ["D1"]
    again = apply_page(
        page("Opportunity", deal("D1", partner_id="P9", customer=None)), session=session, actor=SYNC
    )
    assert again.total("created") == 1 and again.released == 1
    assert count(session, QuarantineEntry) == 0


def test_a_reference_to_the_wrong_kind_of_record_is_a_reason_not_a_wait(
    session: Session, programs: None
) -> None:
    apply_page(
        page("Account", rec("end_customer", "C1", {"name": "End Co"})), session=session, actor=SYNC
    )
    apply_page(
        page(
            "Contact",
            rec("buyer", "K1", {"email": "a@b.example", "name": "A"}, refs={"partner": "C1"}),
        ),
        session=session,
        actor=SYNC,
    )
    entry = session.execute(select(QuarantineEntry)).scalars().one()
    assert entry.reason.startswith("partner: C1 is synced as end_customer, not as partner")
    assert entry.waiting_target is None


def test_core_owned_fields_are_never_overwritten(session: Session, programs: None) -> None:
    apply_page(page("Account", partner("P1")), session=session, actor=SYNC)
    owned = frozenset({"name", "stage", "amount", "currency", "partner", "end_customer"})
    first = rec(
        "deal",
        "D1",
        {
            "name": "D",
            "stage": "Prospecting",
            "amount": Decimal(1),
            "currency": "USD",
            "quote_requested": True,
        },
        refs={"partner": "P1", "end_customer": None},
        owned=owned,
    )
    apply_page(page("Opportunity", first), session=session, actor=SYNC)
    later = rec(
        "deal",
        "D1",
        {
            "name": "D2",
            "stage": "Prospecting",
            "amount": Decimal(2),
            "currency": "USD",
            "quote_requested": False,
        },
        refs={"partner": "P1", "end_customer": None},
        owned=owned,
        at=T0 + timedelta(minutes=5),
    )
    apply_page(page("Opportunity", later), session=session, actor=SYNC)
    d = session.execute(select(Deal)).scalars().one()
    assert (d.name, d.amount, d.quote_requested) == ("D2", Decimal(2), True)


def test_deletion_and_undelete(session: Session, programs: None) -> None:
    apply_page(page("Account", partner("P1")), session=session, actor=SYNC)
    apply_page(page("Opportunity", deal("D1", customer=None)), session=session, actor=SYNC)
    apply_page(
        page(
            "OpportunityLineItem",
            rec("deal_line", "L1", {"sku": "S", "quantity": Decimal(1)}, refs={"deal": "D1"}),
        ),
        session=session,
        actor=SYNC,
    )
    t1 = T0 + timedelta(hours=1)
    gone = apply_page(
        page("Opportunity", rec("deal", "D1", {}, at=t1, deleted=True)), session=session, actor=SYNC
    )
    apply_page(
        page("OpportunityLineItem", rec("deal_line", "L1", {}, at=t1, deleted=True)),
        session=session,
        actor=SYNC,
    )
    apply_page(
        page("Account", rec("partner", "P1", {}, at=t1, deleted=True)), session=session, actor=SYNC
    )
    assert gone.total("deleted") == 1
    assert session.execute(select(col(Deal.deleted_in_crm))).scalar_one() is True
    assert count(session, DealLine) == 0
    assert session.execute(select(col(Partner.active))).scalar_one() is False
    t2 = t1 + timedelta(hours=1)
    apply_page(
        page(
            "Account",
            rec("partner", "P1", dict(partner("P1").values), at=t2),
        ),
        session=session,
        actor=SYNC,
    )
    back = apply_page(
        page(
            "Opportunity",
            rec(
                "deal",
                "D1",
                dict(deal("D1", customer=None).values),
                refs={"partner": "P1", "end_customer": None},
                at=t2,
            ),
        ),
        session=session,
        actor=SYNC,
    )
    apply_page(
        page(
            "OpportunityLineItem",
            rec(
                "deal_line", "L1", {"sku": "S", "quantity": Decimal(1)}, refs={"deal": "D1"}, at=t2
            ),
        ),
        session=session,
        actor=SYNC,
    )
    assert back.total("updated") == 1
    assert session.execute(select(col(Deal.deleted_in_crm))).scalar_one() is False
    assert session.execute(select(col(Partner.active))).scalar_one() is True
    assert count(session, DealLine) == 1


def test_an_older_version_is_a_replay(session: Session, programs: None) -> None:
    apply_page(
        page(
            "Account",
            rec(
                "partner",
                "P1",
                {**partner("P1").values, "name": "New"},
                at=T0 + timedelta(minutes=1),
            ),
        ),
        session=session,
        actor=SYNC,
    )
    result = apply_page(page("Account", partner("P1", name="Old")), session=session, actor=SYNC)
    assert result.total("unchanged") == 1
    assert session.execute(select(col(Partner.name))).scalar_one() == "New"


def test_rejections_and_refusals_go_to_the_quarantine_and_the_rest_goes_on(
    session: Session, programs: None
) -> None:
    bad_tier = partner("P2", tier="Diamond")
    unknown_program = partner("P3", program="NOPE")
    reject = CrmReject("partner", "P4", T0, "Partner_Tier__c 'X' is not in the value map")
    result = apply_page(
        page("Account", partner("P1"), bad_tier, unknown_program, reject),
        session=session,
        actor=SYNC,
    )
    assert result.total("created") == 1 and result.total("quarantined") == 3
    reasons: dict[str, str] = dict(
        session.execute(select(col(QuarantineEntry.crm_id), col(QuarantineEntry.reason))).all()
    )
    assert reasons["P2"].startswith("tier: must be one of")
    assert (
        reasons["P3"]
        == "program: 'NOPE' does not exist; load a catalog that defines it or map another"
    )
    assert reasons["P4"] == "Partner_Tier__c 'X' is not in the value map"
    assert json.loads(
        session.execute(
            select(col(QuarantineEntry.payload)).where(col(QuarantineEntry.crm_id) == "P2")
        ).scalar_one()
    ) == {"Id": "P2"}


def test_a_customer_found_by_domain_is_linked_not_duplicated(
    session: Session, programs: None
) -> None:
    apply_page(
        page("Account", rec("end_customer", "C1", {"name": "End Co", "domain": "end.example"})),
        session=session,
        actor=SYNC,
    )
    other = SyncPage(
        "emea-hs",
        "companies",
        [
            rec(
                "end_customer",
                "900",
                {"name": "End Company GmbH", "domain": "end.example", "city": "Berlin"},
            )
        ],
        {},
        1,
    )
    result = apply_page(other, session=session, actor=SYNC)
    assert result.total("updated") == 1 and count(session, EndCustomer) == 1
    customer = session.execute(select(EndCustomer)).scalars().one()
    assert (customer.name, customer.city, customer.crm_source) == ("End Co", "Berlin", SRC)
    links = session.execute(
        select(col(SyncRecord.source), col(SyncRecord.core_id)).where(
            col(SyncRecord.target) == "end_customer"
        )
    ).all()
    assert sorted(links) == [("acme-sf", customer.id), ("emea-hs", customer.id)]


def test_two_new_customers_with_one_domain_in_one_page_become_one(
    session: Session, programs: None
) -> None:
    result = apply_page(
        page(
            "Account",
            rec("end_customer", "C1", {"name": "A", "domain": "x.example"}),
            rec("end_customer", "C2", {"name": "B", "domain": "x.example"}),
        ),
        session=session,
        actor=SYNC,
    )
    assert result.total("created") == 1 and count(session, EndCustomer) == 1
    assert count(session, SyncRecord) == 2
