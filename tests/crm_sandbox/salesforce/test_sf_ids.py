"""Record ids: checksum suffix, case-insensitive 18-character form, key prefixes of created records."""

from __future__ import annotations

from typing import Any

import pytest

from crm_sandbox.salesforce import ids
from crm_sandbox.salesforce.testing import SalesforceSandboxHandle


def test_checksum_matches_the_documented_algorithm() -> None:
    # 001A0 -> bit 3 upper -> 'I'; 00000 -> 'A'; 6Vm9r -> bit 1 upper -> 'C'
    assert ids.to18("001A0000006Vm9r") == "001A0000006Vm9rIAC"
    assert ids.checksum_suffix("ZZZZZZZZZZZZZZZ") == "555"


def test_normalize_accepts_15_and_case_insensitive_18() -> None:
    canonical = ids.to18("0065g0000007HMB")
    assert ids.normalize("0065g0000007HMB") == canonical
    assert ids.normalize(canonical.lower()) == canonical
    assert ids.normalize(canonical.upper()) == canonical
    assert ids.normalize(canonical[:15] + "999") is None  # 6-9 are not suffix characters
    # The suffix decides letter case: "AAA" reads the same id as all lower case.
    assert ids.normalize(canonical[:15] + "AAA") == ids.to18("0065g0000007hmb")
    assert ids.normalize("not-an-id") is None
    assert ids.normalize("0065g0000007HM") is None


@pytest.mark.parametrize(
    ("sobject", "prefix"),
    [
        ("Account", "001"),
        ("Contact", "003"),
        ("Opportunity", "006"),
        ("OpportunityLineItem", "00k"),
        ("Product2", "01t"),
        ("Pricebook2", "01s"),
        ("PricebookEntry", "01u"),
        ("Partner", "00I"),
    ],
)
def test_seeded_ids_carry_key_prefix_and_valid_checksum(sf: Any, sobject: str, prefix: str) -> None:
    rows = sf.query(f"SELECT Id FROM {sobject} LIMIT 5")["records"]
    assert rows
    for row in rows:
        assert len(row["Id"]) == 18
        assert row["Id"].startswith(prefix)
        assert ids.to18(row["Id"][:15]) == row["Id"]


def test_created_quote_order_and_lines_have_their_prefixes(
    sf: Any, sf_sandbox: SalesforceSandboxHandle
) -> None:
    opp = sf.query("SELECT Id, AccountId, Pricebook2Id FROM Opportunity LIMIT 1")["records"][0]
    entry = sf.query("SELECT Id, UnitPrice FROM PricebookEntry LIMIT 1")["records"][0]
    quote = sf.Quote.create(
        {"Name": "Q-ids", "OpportunityId": opp["Id"], "Pricebook2Id": opp["Pricebook2Id"]}
    )
    qli = sf.QuoteLineItem.create(
        {"QuoteId": quote["id"], "PricebookEntryId": entry["Id"], "Quantity": 2, "UnitPrice": 10.5}
    )
    order = sf.Order.create(
        {
            "AccountId": opp["AccountId"],
            "EffectiveDate": "2026-01-05",
            "Status": "Draft",
            "Pricebook2Id": opp["Pricebook2Id"],
        }
    )
    item = sf.OrderItem.create(
        {"OrderId": order["id"], "PricebookEntryId": entry["Id"], "Quantity": 3, "UnitPrice": 7}
    )
    assert quote["id"].startswith("0Q0")
    assert qli["id"].startswith("0QL")
    assert order["id"].startswith("801")
    assert item["id"].startswith("802")
    # A 15-character id addresses the same record.
    assert sf.Quote.get(quote["id"][:15])["Id"] == quote["id"]
    assert sf.QuoteLineItem.get(qli["id"])["TotalPrice"] == 21.0
    assert sf_sandbox.app.admin_api.record("OrderItem", item["id"])["TotalPrice"] == 21.0
