"""What the push needs of the Salesforce sandbox, through simple-salesforce: parents named by external
id, unique external ids (DUPLICATE_VALUE), the restricted Order status picklist, the deal's quote
fields, AccountContactRelation, and the admin API's counts."""

from __future__ import annotations

from typing import Any

import pytest
from simple_salesforce.exceptions import SalesforceMalformedRequest

from crm_sandbox.salesforce.objects_commerce import ORDER_STATUSES
from crm_sandbox.salesforce.testing import SalesforceSandboxHandle
from tests.crm_sandbox.salesforce.oracle import content


@pytest.fixture(scope="module")
def partner(sf: Any) -> str:
    """A partner account with an external id; its Salesforce id."""
    made = sf.Account.upsert(
        "Channelsync_Id__c/PUSH-P1", {"Name": "Push partner"}, raw_response=True
    )
    return str(made.json()["id"])


def _errors(exc: pytest.ExceptionInfo[SalesforceMalformedRequest]) -> list[tuple[str, str]]:
    return [(e["errorCode"], e["message"]) for e in content(exc.value)]


def test_a_parent_named_by_its_external_id(sf: Any, partner: str) -> None:
    made = sf.Order.create(
        {
            "Account": {"Channelsync_Id__c": "PUSH-P1"},
            "EffectiveDate": "2026-03-01",
            "Status": "Submitted",
            "Channelsync_Id__c": "PUSH-O1",
        }
    )
    assert sf.Order.get(made["id"])["AccountId"] == partner
    typed = sf.Order.create(
        {
            "Account": {"attributes": {"type": "Account"}, "Channelsync_Id__c": "push-p1"},
            "EffectiveDate": "2026-03-01",
            "Status": "Draft",
        }
    )
    assert sf.Order.get(typed["id"])["AccountId"] == partner  # matched case-insensitively


@pytest.mark.parametrize(
    ("reference", "code", "message"),
    [
        (
            {"Account": {"Channelsync_Id__c": "NOPE"}},
            "INVALID_FIELD",
            "Foreign key external ID: NOPE not found for field Channelsync_Id__c in entity Account",
        ),
        (
            {"Account": {"Name": "Push partner"}},
            "INVALID_FIELD",
            "Field name provided, Name is not an External ID or indexed field for Account",
        ),
        (
            {"Account": {"Channelsync_Id__c": "PUSH-P1"}, "AccountId": "001000000000000AAA"},
            "INVALID_FIELD",
            "Cannot specify both an external ID reference Account and a salesforce id, AccountId",
        ),
        ({"Account": "PUSH-P1"}, "JSON_PARSER_ERROR", "Cannot deserialize instance of Account"),
    ],
)
def test_bad_parent_references(
    sf: Any, partner: str, reference: dict[str, Any], code: str, message: str
) -> None:
    with pytest.raises(SalesforceMalformedRequest) as exc:
        sf.Order.create({"EffectiveDate": "2026-03-01", "Status": "Draft", **reference})
    [(got_code, got_message)] = _errors(exc)
    assert got_code == code and got_message.startswith(message)


def test_external_ids_are_unique(sf: Any, sf_sandbox: SalesforceSandboxHandle) -> None:
    first = sf.Account.create({"Name": "Unique 1", "Channelsync_Id__c": "PUSH-U1"})
    with pytest.raises(SalesforceMalformedRequest) as exc:
        sf.Account.create({"Name": "Unique 2", "Channelsync_Id__c": "push-u1"})
    [(code, message)] = _errors(exc)
    assert code == "DUPLICATE_VALUE" and message.endswith(f"record with id: {first['id']}")
    other = sf.Account.create({"Name": "Unique 3"})
    with pytest.raises(SalesforceMalformedRequest):
        sf.Account.update(other["id"], {"Channelsync_Id__c": "PUSH-U1"})
    sf.Account.update(first["id"], {"Channelsync_Id__c": "PUSH-U1", "Name": "Unique 1b"})
    assert sf_sandbox.app.admin_api.external_id_counts("Account")["PUSH-U1"] == 1


def test_a_rolled_back_create_leaves_no_external_id_behind(
    sf: Any, sf_sandbox: SalesforceSandboxHandle
) -> None:
    body = {
        "allOrNone": True,
        "records": [
            {"attributes": {"type": "Account"}, "Name": "Gone", "Channelsync_Id__c": "PUSH-R1"},
            {"attributes": {"type": "Account"}, "Channelsync_Id__c": "PUSH-R2"},  # no Name
        ],
    }
    results = sf.restful("composite/sobjects/Account/Channelsync_Id__c", method="PATCH", json=body)
    assert [r["success"] for r in results] == [False, False]
    body["allOrNone"] = False
    body["records"][1]["Name"] = "Now"  # type: ignore[index]
    again = sf.restful("composite/sobjects/Account/Channelsync_Id__c", method="PATCH", json=body)
    assert [r["created"] for r in again] == [True, True]
    counts = sf_sandbox.app.admin_api.external_id_counts("Account")
    assert counts["PUSH-R1"] == counts["PUSH-R2"] == 1


def test_order_status_is_a_restricted_picklist_of_the_channel_statuses(
    sf: Any, partner: str
) -> None:
    status = {f["name"]: f for f in sf.Order.describe()["fields"]}["Status"]
    assert status["restrictedPicklist"] is True
    values = [v["value"] for v in status["picklistValues"]]
    assert values == list(ORDER_STATUSES)
    for wanted in ("Pending Approval", "Accepted", "Fulfilled", "Invoiced", "Paid", "Cancelled"):
        assert wanted in values
    with pytest.raises(SalesforceMalformedRequest) as exc:
        sf.Order.create({"AccountId": partner, "EffectiveDate": "2026-03-01", "Status": "Shipped"})
    assert _errors(exc) == [
        (
            "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
            "Status: bad value for restricted picklist field: Shipped",
        )
    ]


def test_the_deal_carries_the_quote_fields_the_push_writes(sf: Any) -> None:
    fields = {f["name"]: f for f in sf.Opportunity.describe()["fields"]}
    kinds = {
        "Channelsync_Quote_Number__c": "string",
        "Channelsync_Quote_Status__c": "string",
        "Channelsync_Quote_Total__c": "currency",
        "Channelsync_Approval_State__c": "string",
        "Channelsync_Quote_Url__c": "url",
        "Channelsync_Sync_Note__c": "textarea",
    }
    assert {name: fields[name]["type"] for name in kinds} == kinds
    assert all(fields[name]["updateable"] and fields[name]["custom"] for name in kinds)
    for obj in ("Order", "OrderItem", "Quote", "QuoteLineItem"):
        ext = {f["name"]: f for f in getattr(sf, obj).describe()["fields"]}["Channelsync_Id__c"]
        assert ext["externalId"] and ext["unique"]


def test_account_contact_relation_and_counts_by_natural_key(
    sf: Any, sf_sandbox: SalesforceSandboxHandle, partner: str
) -> None:
    contact = sf.Contact.create({"LastName": "Buyer", "AccountId": partner})
    made = sf.AccountContactRelation.create(
        {"AccountId": partner, "ContactId": contact["id"], "Roles": "Buyer", "IsActive": True}
    )
    row = sf.query(f"SELECT AccountId, Roles FROM AccountContactRelation WHERE Id = '{made['id']}'")
    assert row["records"][0]["Roles"] == "Buyer"
    where = {"AccountId": partner[:15], "ContactId": contact["id"]}
    assert sf_sandbox.app.admin_api.count_records("AccountContactRelation", where) == 1
    sf.AccountContactRelation.create({"AccountId": partner, "ContactId": contact["id"]})
    assert sf_sandbox.app.admin_api.count_records("AccountContactRelation", where) == 2
