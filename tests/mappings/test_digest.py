"""The digest of a mapped record: what it is computed from and its format never change.

Links store it; an equal digest means "unchanged", so a different digest for the same values would
make every stored record look changed (and the same digest for different values would lose a change).
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from decimal import Decimal

from mappings import MappedRecord, RawRecord, load_mapping, shipped

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
OPPORTUNITY: dict[str, object] = {
    "Name": "Big deal",
    "AccountId": "001000000000001AAA",
    "PartnerAccountId": None,
    "StageName": "Prospecting",
    "Amount": Decimal("12500.50"),
    "CloseDate": "2027-01-31",
    "Deal_Registration__c": True,
    "Registration_Status__c": "Approved",
    "Registration_Discount__c": None,
    "Registration_Expires_On__c": "2027-03-01",
    "Registration_Scope__c": "Zoë ✓ 東京",
    "Quote_Requested__c": False,
}


def test_the_digest_is_blake2b_of_the_sorted_values_then_the_sorted_references() -> None:
    [deal] = load_mapping(shipped("salesforce")).apply(
        "Opportunity", [RawRecord("006", NOW, OPPORTUNITY)]
    )
    assert isinstance(deal, MappedRecord)
    text = "\x1f".join(
        [
            "amount=12500.50",
            "close_date=2027-01-31",
            "currency=USD",
            "kind=registration",
            "name=Big deal",
            "quote_requested=False",
            "registration_discount_percent=None",
            "registration_expires_on=2027-03-01",
            "registration_scope=Zoë ✓ 東京",
            "registration_status=approved",
            "stage=Prospecting",
        ]
    )
    text += "\x1e" + "\x1f".join(["end_customer=001000000000001AAA", "partner=None"])
    assert deal.digest == hashlib.blake2b(text.encode("utf-8"), digest_size=16).hexdigest()
    # The value digests stored by every earlier version of the engine (taken from main's engine).
    assert deal.digest == "1b31fe80ae63867968d5d3d77fc46641"


def test_a_route_without_references_still_ends_its_text_with_the_separator() -> None:
    record = RawRecord("001", NOW, {"Name": "Acme", "IsPartner": False, "BillingCountry": "us"})
    [customer] = load_mapping(shipped("salesforce")).apply("Account", [record])
    assert isinstance(customer, MappedRecord) and customer.target == "end_customer"
    text = "city=None\x1fcountry=US\x1fdomain=None\x1fname=Acme\x1fphone=None\x1e"
    assert customer.digest == hashlib.blake2b(text.encode("utf-8"), digest_size=16).hexdigest()
