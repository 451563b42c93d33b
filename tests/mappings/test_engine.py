"""The mapping engine: CRM records become core values, or a reason naming the field and the fix."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mappings import MappedRecord, RawRecord, Rejected, load_mapping, shipped

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
SF = load_mapping(shipped("salesforce"))
HS = load_mapping(shipped("hubspot"))


def _sf_opp(**fields: object) -> RawRecord:
    base: dict[str, object] = {
        "Name": "Big deal",
        "AccountId": "001000000000001AAA",
        "PartnerAccountId": "001000000000002AAA",
        "StageName": "Prospecting",
        "Amount": Decimal("12500.50"),
        "CloseDate": "2027-01-31",
        "Deal_Registration__c": True,
        "Registration_Status__c": "Approved",
        "Registration_Discount__c": Decimal("7.5"),
        "Registration_Expires_On__c": "2027-03-01",
        "Registration_Scope__c": "CS-PLA-001,Security",
        "Quote_Requested__c": False,
    }
    base.update(fields)
    return RawRecord("006000000000001AAA", NOW, base)


def _one(result: list[MappedRecord | Rejected]) -> MappedRecord | Rejected:
    assert len(result) == 1
    return result[0]


def test_salesforce_opportunity_becomes_a_deal() -> None:
    deal = _one(SF.apply("Opportunity", [_sf_opp()]))
    assert isinstance(deal, MappedRecord)
    assert deal.target == "deal"
    assert deal.values == {
        "name": "Big deal",
        "kind": "registration",
        "stage": "Prospecting",
        "amount": Decimal("12500.50"),
        "currency": "USD",
        "close_date": date(2027, 1, 31),
        "registration_status": "approved",
        "registration_expires_on": date(2027, 3, 1),
        "registration_discount_percent": Decimal("7.5"),
        "registration_scope": "CS-PLA-001,Security",
        "quote_requested": False,
    }
    assert deal.refs == {"partner": "001000000000002AAA", "end_customer": "001000000000001AAA"}
    assert "quote_requested" in deal.owned


def test_the_digest_changes_with_any_mapped_value_and_only_then() -> None:
    first = _one(SF.apply("Opportunity", [_sf_opp()]))
    again = _one(SF.apply("Opportunity", [_sf_opp(LeadSource="Web")]))  # an unmapped field
    changed = _one(SF.apply("Opportunity", [_sf_opp(Amount=Decimal("12500.51"))]))
    moved = _one(SF.apply("Opportunity", [_sf_opp(PartnerAccountId="001000000000003AAA")]))
    assert isinstance(first, MappedRecord) and isinstance(again, MappedRecord)
    assert isinstance(changed, MappedRecord) and isinstance(moved, MappedRecord)
    assert first.digest == again.digest
    assert len({first.digest, changed.digest, moved.digest}) == 3


def test_unknown_picklist_value_is_a_reason_naming_field_value_and_fix() -> None:
    bad = _one(SF.apply("Opportunity", [_sf_opp(Registration_Status__c="Escalated")]))
    assert isinstance(bad, Rejected)
    assert bad.reason == (
        "Registration_Status__c 'Escalated' is not in the value map of registration_status "
        "(known: ['Approved', 'Expired', 'Pending', 'Rejected']); add it to the mapping"
    )


def test_every_bad_field_is_named() -> None:
    bad = _one(SF.apply("Opportunity", [_sf_opp(Amount="12,5", CloseDate="31/01/2027", Name="")]))
    assert isinstance(bad, Rejected)
    assert bad.reason.split("; ") == [
        "Name is empty and name requires a value",
        "Amount '12,5' is not a number (for amount)",
        "CloseDate '31/01/2027' is not a date (YYYY-MM-DD) (for close_date)",
    ]


def test_accounts_route_by_condition() -> None:
    partner = RawRecord(
        "001A",
        NOW,
        {
            "Name": "Reseller Co",
            "IsPartner": True,
            "Partner_Type__c": "Distributor",
            "Partner_Tier__c": "Platinum",
            "BillingCountry": "de",
            "Website": "https://www.x.example/a",
        },
    )
    customer = RawRecord(
        "001B", NOW, {"Name": "End Co", "IsPartner": False, "Website": "https://www.End.example/"}
    )
    got = SF.apply("Account", [partner, customer])
    assert [(r.target, r.values) for r in got if isinstance(r, MappedRecord)] == [
        (
            "partner",
            {
                "name": "Reseller Co",
                "kind": "distributor",
                "tier": "Platinum",
                "program": "DISTRIBUTOR",
                "country": "DE",
            },
        ),
        (
            "end_customer",
            {
                "name": "End Co",
                "domain": "end.example",
                "phone": None,
                "country": None,
                "city": None,
            },
        ),
    ]


def test_a_deleted_record_is_a_deletion_for_each_target_of_its_object() -> None:
    gone = RawRecord("001C", NOW, {}, deleted=True)
    got = SF.apply("Account", [gone])
    assert [(r.target, r.deleted) for r in got if isinstance(r, MappedRecord)] == [
        ("partner", True),
        ("end_customer", True),
    ]


def test_contacts_without_a_channel_role_are_not_buyers() -> None:
    plain = RawRecord("003A", NOW, {"AccountId": "001A", "LastName": "Ito", "Email": "a@b.example"})
    buyer = RawRecord(
        "003B",
        NOW,
        {
            "AccountId": "001A",
            "FirstName": "Ana",
            "LastName": "Ito",
            "Email": " Ana@B.example ",
            "Channel_Role__c": "Approver",
        },
    )
    got = SF.apply("Contact", [plain, buyer])
    assert len(got) == 1 and isinstance(got[0], MappedRecord)
    assert got[0].values == {"email": "ana@b.example", "name": "Ana Ito", "role": "approver"}
    assert got[0].refs == {"partner": "001A"}


def test_hubspot_associations_by_label() -> None:
    deal = RawRecord(
        "9001",
        NOW,
        {
            "dealname": "HS deal",
            "dealstage": "closedwon",
            "amount": "10.50",
            "closedate": "2027-01-31T00:00:00.000Z",
            "deal_registration": "false",
        },
        associations={
            "companies": [
                ("11", frozenset({"Primary"})),
                ("11", frozenset()),
                ("22", frozenset({"Partner"})),
            ],
        },
    )
    got = _one(HS.apply("deals", [deal]))
    assert isinstance(got, MappedRecord)
    assert got.refs == {"partner": "22", "end_customer": "11"}
    assert got.values["stage"] == "Closed Won"
    assert got.values["close_date"] == date(2027, 1, 31)
    assert got.values["kind"] == "opportunity"
    assert got.values["amount"] == Decimal("10.50")


def test_two_partners_on_one_deal_is_a_reason() -> None:
    deal = RawRecord(
        "9002",
        NOW,
        {"dealname": "HS deal", "dealstage": "closedwon"},
        associations={
            "companies": [("22", frozenset({"Partner"})), ("23", frozenset({"Partner"}))]
        },
    )
    got = _one(HS.apply("deals", [deal]))
    assert isinstance(got, Rejected)
    assert "2 associated companies carry the label 'Partner': ['22', '23']" in got.reason


def test_overlong_text_is_refused_not_cut() -> None:
    bad = _one(SF.apply("Opportunity", [_sf_opp(Name="x" * 300)]))
    assert isinstance(bad, Rejected)
    assert bad.reason == "Name is 300 characters long; the core keeps at most 255 (for name)"


_values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True),
    st.decimals(allow_nan=True),
    st.text(max_size=400),
    st.sampled_from(["", "true", "2027-02-30", "1e999", "'; DROP TABLE deal; --", "\x00", "NaN"]),
)


@settings(max_examples=300, deadline=None)
@given(
    obj=st.sampled_from(SF.objects),
    fields=st.dictionaries(
        st.sampled_from(sorted({f for o in SF.objects for f in SF.crm_fields(o)})), _values
    ),
)
def test_any_record_maps_or_gets_a_reason_never_an_exception(
    obj: str, fields: dict[str, object]
) -> None:
    for result in SF.apply(obj, [RawRecord("X", NOW, fields)]):
        if isinstance(result, Rejected):
            assert result.reason and "\n" not in result.reason and len(result.reason) < 2000
        else:
            assert result.digest


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("2026-12-05T22:40:46.549000Z", date(2026, 12, 5)), ("1764974446549", date(2025, 12, 5))],
)
def test_hubspot_dates_in_both_wire_forms(raw: str, expected: date) -> None:
    deal = RawRecord("1", NOW, {"dealname": "d", "closedate": raw})
    got = _one(HS.apply("deals", [deal]))
    assert isinstance(got, MappedRecord)
    assert got.values["close_date"] == expected
