"""Salesforce REST records to RawRecord: fields read straight off the record as the pull asked for
them, numbers canonical (exactly), whatever kind of mapping carries the record."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from types import MappingProxyType

import pytest

from connector.salesforce.decode import JsonReader, canonical

REC: dict[str, object] = {
    "attributes": {"type": "Opportunity"},
    "Id": "0065g000000c30HAAQ",
    "SystemModstamp": "2026-03-01T12:00:00.123+0000",
    "IsDeleted": False,
    "Name": "Deal",
    "Amount": Decimal("1250.00"),
    "Probability": Decimal("12.5"),
    "Quantity": 3,
    "IsWon": True,
    "Description": None,
    "Account": {"attributes": {}, "Name": "Acme", "Owner": None},
}
FIELDS = ["Name", "amount", "Probability", "Quantity", "IsWon", "Description", "Missing__c"]
DOTTED = ["Account.Name", "Account.Owner.Name", "Account.name", "Partner.Name"]


def test_fields_are_read_by_name_any_case_with_numbers_canonical() -> None:
    record = JsonReader(FIELDS + DOTTED).record(REC)
    assert record.crm_id == "0065g000000c30HAAQ" and not record.deleted
    assert record.stamp == datetime(2026, 3, 1, 12, 0, 0, 123000, tzinfo=UTC)
    assert record.fields == {
        "Name": "Deal",
        "amount": Decimal("1250"),
        "Probability": Decimal("12.5"),
        "Quantity": 3,
        "IsWon": True,
        "Description": None,
        "Missing__c": None,
        "Account.Name": "Acme",
        "Account.Owner.Name": None,  # a null relationship: every field under it is null
        "Account.name": "Acme",
        "Partner.Name": None,
    }
    assert str(record.fields["amount"]) == "1250"


def test_a_record_that_is_not_a_dict_reads_the_same() -> None:
    reader = JsonReader(FIELDS + DOTTED)
    assert reader.record(MappingProxyType(REC)) == reader.record(REC)


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("1250.00", "1250"),
        ("12.5", "12.5"),
        ("-12.50", "-12.5"),
        ("0.0", "0"),
        ("-0", "0"),
        ("-0.000", "0"),
        ("0E+3", "0"),
        ("1E+2", "100"),
        ("1.0E+2", "100"),
        ("120", "120"),
        ("5E-3", "0.005"),
        ("50E-3", "0.05"),
        ("1.23450", "1.2345"),
        ("NaN", "NaN"),
        ("-Infinity", "-Infinity"),
    ],
)
def test_canonical_numbers_lose_trailing_zeros_and_positive_exponents(
    given: str, expected: str
) -> None:
    assert str(canonical(Decimal(given))) == expected
