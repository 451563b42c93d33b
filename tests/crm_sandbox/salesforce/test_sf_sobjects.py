"""sObject rows: get/create/update/delete, upsert by external id, validation, updated/ and deleted/."""

from __future__ import annotations

import itertools
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests
from simple_salesforce.exceptions import (
    SalesforceMalformedRequest,
    SalesforceMoreThanOneRecord,
    SalesforceResourceNotFound,
)

from crm_sandbox.salesforce.app import SalesforceSandboxApp
from crm_sandbox.salesforce.testing import SalesforceSandboxHandle
from crm_sandbox.salesforce.values import parse_datetime
from tests.crm_sandbox.salesforce.oracle import content, stamp_of

STAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\+0000$")


def test_create_get_update_delete_round_trip(sf: Any, sf_sandbox: SalesforceSandboxHandle) -> None:
    created = sf.Account.create(
        {"Name": "Round Trip Ltd", "IsPartner": True, "BillingCountry": "DE"}
    )
    assert created["success"] is True and created["errors"] == []
    got = sf.Account.get(created["id"])
    assert got["Name"] == "Round Trip Ltd" and got["IsPartner"] is True
    assert got["attributes"] == {
        "type": "Account",
        "url": f"/services/data/v59.0/sobjects/Account/{created['id']}",
    }
    assert STAMP.match(got["SystemModstamp"]) and got["CreatedDate"] == got["SystemModstamp"]
    assert sf.Account.update(created["id"], {"Name": "Round Trip GmbH"}) == 204
    after = sf.Account.get(created["id"])
    assert after["Name"] == "Round Trip GmbH"
    assert parse_datetime(after["SystemModstamp"]) > parse_datetime(got["SystemModstamp"])
    assert after["LastModifiedDate"] == after["SystemModstamp"]
    assert sf.Account.delete(created["id"]) == 204
    with pytest.raises(SalesforceResourceNotFound) as exc:
        sf.Account.get(created["id"])
    assert content(exc.value)[0]["errorCode"] == "ENTITY_IS_DELETED"
    assert sf_sandbox.app.store.records["Account"][created["id"]]["IsDeleted"] is True


def test_get_with_fields_parameter(sf: Any) -> None:
    opp_id = sf.query("SELECT Id FROM Opportunity LIMIT 1")["records"][0]["Id"]
    got = sf.Opportunity.get(opp_id, params={"fields": "Name,StageName"})
    assert set(got) == {"attributes", "Name", "StageName"}


def test_every_write_bumps_the_stamp_strictly(sf: Any) -> None:
    rec = sf.Product2.create({"Name": "Stamp probe", "ProductCode": "CS-STAMP-1"})
    stamps = [parse_datetime(sf.Product2.get(rec["id"])["SystemModstamp"])]
    for n in range(5):
        sf.Product2.update(rec["id"], {"Description": f"edit {n}"})
        stamps.append(parse_datetime(sf.Product2.get(rec["id"])["SystemModstamp"]))
    assert all(a < b for a, b in itertools.pairwise(stamps))
    assert stamps[-1] <= datetime.now(UTC) + timedelta(seconds=1)


def account_names(app: SalesforceSandboxApp) -> list[str]:
    return sorted(str(r["Name"]) for r in app.store.records["Account"].values())


def test_seed_is_deterministic_and_in_the_past() -> None:
    first, again, other = (SalesforceSandboxApp(seed=s, records=30) for s in (5, 5, 6))
    now = datetime.now(UTC)
    for name, rows in first.store.records.items():
        assert rows.keys() == again.store.records[name].keys()
        for rid, rec in rows.items():
            twin = dict(again.store.records[name][rid])
            assert dict(rec) == twin
            assert stamp_of(rec) < now
    assert account_names(first) != account_names(other)
    assert first.seed_summary["Opportunity"] == 30
    opps = list(first.store.records["Opportunity"].values())
    assert all(stamp_of(r, "CreatedDate") <= stamp_of(r) for r in opps)
    assert any(stamp_of(r, "CreatedDate") < stamp_of(r) for r in opps)
    registrations = [
        r for r in first.store.records["Opportunity"].values() if r["Deal_Registration__c"]
    ]
    assert registrations and all(r["Registration_Status__c"] for r in registrations)
    assert any(r["Quote_Requested__c"] for r in first.store.records["Opportunity"].values())
    assert all(
        r["IsPartner"] for r in first.store.records["Account"].values() if r["Partner_Type__c"]
    )


def test_upsert_creates_then_updates_then_reports_several_matches(
    sf: Any, sf_sandbox: SalesforceSandboxHandle
) -> None:
    opp = sf.query("SELECT Id FROM Opportunity LIMIT 1")["records"][0]["Id"]
    first = sf.Quote.upsert(
        "Channelsync_Id__c/Q-1001", {"Name": "Quote 1001", "OpportunityId": opp}, raw_response=True
    )
    assert first.status_code == 201
    assert first.json()["created"] is True and first.json()["success"] is True
    second = sf.Quote.upsert(
        "Channelsync_Id__c/Q-1001",
        {"Name": "Quote 1001 v2", "Status": "Approved"},
        raw_response=True,
    )
    assert second.status_code == 200
    assert second.json() == {
        "id": first.json()["id"],
        "success": True,
        "errors": [],
        "created": False,
    }
    assert sf.Quote.get_by_custom_id("Channelsync_Id__c", "Q-1001")["Status"] == "Approved"
    # Before API v46.0 an updating upsert answers 204 without a body.
    legacy = sf_sandbox.requests_session().patch(
        f"{sf_sandbox.base_url}/services/data/v45.0/sobjects/Quote/Channelsync_Id__c/Q-1001",
        json={"Name": "Quote 1001 v3"},
        headers={"Authorization": f"Bearer {sf.session_id}"},
    )
    assert legacy.status_code == 204 and legacy.content == b""
    # Two records with one external id value (the admin API can create the duplicate).
    dup = sf.Quote.create({"Name": "dup", "OpportunityId": opp})
    sf_sandbox.app.admin_api.change_record("Quote", dup["id"], {"Channelsync_Id__c": "Q-1001"})
    with pytest.raises(SalesforceMoreThanOneRecord) as exc:
        sf.Quote.upsert("Channelsync_Id__c/Q-1001", {"Name": "ambiguous"})
    assert exc.value.status == 300
    assert sorted(content(exc.value)) == sorted(
        f"/services/data/v59.0/sobjects/Quote/{i}" for i in (first.json()["id"], dup["id"])
    )


def test_upsert_on_a_field_that_is_not_an_external_id(sf: Any) -> None:
    with pytest.raises(SalesforceResourceNotFound):
        sf.Account.upsert("Name/Acme", {"Type": "Customer"})


@pytest.mark.parametrize(
    ("payload", "code", "fields"),
    [
        ({"Type": "Customer"}, "REQUIRED_FIELD_MISSING", ["Name"]),
        ({"Name": "x", "Bogus__c": 1}, "INVALID_FIELD", ["Bogus__c"]),
        ({"Name": "x", "IsPartner": "yes"}, "JSON_PARSER_ERROR", ["IsPartner"]),
        ({"Name": "x", "ParentId": "003000000000001AAA"}, "MALFORMED_ID", ["ParentId"]),
        (
            {"Name": "x", "ParentId": "0015g0000000000AAA"},
            "INVALID_CROSS_REFERENCE_KEY",
            ["ParentId"],
        ),
        (
            {"Name": "x", "SystemModstamp": "2020-01-01T00:00:00Z"},
            "INVALID_FIELD_FOR_INSERT_UPDATE",
            ["SystemModstamp"],
        ),
        ({"Name": "x" * 300}, "STRING_TOO_LONG", ["Name"]),
    ],
)
def test_validation_errors_use_the_real_codes(
    sf: Any, payload: dict[str, object], code: str, fields: list[str]
) -> None:
    with pytest.raises(SalesforceMalformedRequest) as exc:
        sf.Account.create(payload)
    error = content(exc.value)[0]
    assert error["errorCode"] == code
    assert error["fields"] == fields
    assert set(error) == {"message", "errorCode", "fields"}


def test_type_checks_on_numbers_and_dates(sf: Any) -> None:
    account = sf.query("SELECT Id FROM Account LIMIT 1")["records"][0]["Id"]
    with pytest.raises(SalesforceMalformedRequest) as bad_date:
        sf.Opportunity.create(
            {"Name": "d", "StageName": "Prospecting", "CloseDate": "soon", "AccountId": account}
        )
    assert content(bad_date.value)[0]["errorCode"] == "JSON_PARSER_ERROR"
    with pytest.raises(SalesforceMalformedRequest) as bad_amount:
        sf.Opportunity.create(
            {"Name": "d", "StageName": "Prospecting", "CloseDate": "2026-03-01", "Amount": "lots"}
        )
    assert content(bad_amount.value)[0]["fields"] == ["Amount"]
    ok = sf.Opportunity.create(
        {"Name": "d", "StageName": "Closed Won", "CloseDate": "2026-03-01", "Amount": 10.25}
    )
    got = sf.Opportunity.get(ok["id"])
    assert got["Amount"] == 10.25 and got["IsClosed"] is True and got["IsWon"] is True


def test_unknown_records_and_objects_are_404(
    sf: Any, raw: requests.Session, sf_sandbox: SalesforceSandboxHandle
) -> None:
    with pytest.raises(SalesforceResourceNotFound) as exc:
        sf.Account.get("0015g0000000000AAA")
    assert content(exc.value)[0]["errorCode"] == "NOT_FOUND"
    with pytest.raises(SalesforceResourceNotFound):
        sf.Account.get("garbage")
    response = raw.get(f"{sf_sandbox.base_url}/services/data/v59.0/sobjects/Widget__c/describe")
    assert response.status_code == 404 and response.json()[0]["errorCode"] == "NOT_FOUND"


def test_updated_and_deleted_windows(sf: Any) -> None:
    start = datetime.now(UTC) - timedelta(seconds=1)
    acc = sf.Account.create({"Name": "Window Co"})
    gone = sf.Account.create({"Name": "Gone Co"})
    sf.Account.delete(gone["id"])
    end = datetime.now(UTC) + timedelta(seconds=1)
    updated = sf.Account.updated(start, end)
    deleted = sf.Account.deleted(start, end)
    assert acc["id"] in updated["ids"] and gone["id"] not in updated["ids"]
    assert STAMP.match(updated["latestDateCovered"])
    deleted_ids = [d["id"] for d in deleted["deletedRecords"]]
    assert gone["id"] in deleted_ids and acc["id"] not in deleted_ids
    assert STAMP.match(deleted["deletedRecords"][0]["deletedDate"])
    assert STAMP.match(deleted["earliestDateAvailable"])


def test_admin_change_delete_undelete_and_stamps(
    sf: Any, sf_sandbox: SalesforceSandboxHandle
) -> None:
    admin = sf_sandbox.app.admin_api
    opp = sf.query("SELECT Id, SystemModstamp FROM Opportunity ORDER BY Id LIMIT 1")["records"][0]
    changed = admin.change_record(
        "Opportunity", opp["Id"], {"Quote_Requested__c": True, "StageName": "Closed Lost"}
    )
    assert changed["Quote_Requested__c"] is True and changed["IsClosed"] is True
    fresh = sf.Opportunity.get(opp["Id"])
    assert parse_datetime(fresh["SystemModstamp"]) > parse_datetime(opp["SystemModstamp"])
    past = datetime(2026, 1, 2, 3, 4, 5, 6000, tzinfo=UTC)
    admin.set_stamp("Opportunity", opp["Id"], past)
    assert sf.Opportunity.get(opp["Id"])["SystemModstamp"] == "2026-01-02T03:04:05.006+0000"
    bumped = admin.set_stamp("Opportunity", opp["Id"])
    assert bumped > datetime.now(UTC) - timedelta(seconds=5)
    admin.delete_record("Opportunity", opp["Id"])
    assert sf.query(f"SELECT COUNT() FROM Opportunity WHERE Id = '{opp['Id']}'")["totalSize"] == 0
    admin.undelete_record("Opportunity", opp["Id"])
    assert sf.Opportunity.get(opp["Id"])["IsDeleted"] is False
