"""sObject Collections: create/update/upsert/delete/retrieve, allOrNone rollback, injected record failures."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from simple_salesforce.exceptions import SalesforceMalformedRequest

from crm_sandbox.salesforce.testing import SalesforceSandboxHandle
from tests.crm_sandbox.salesforce.oracle import content

ROLLED_BACK = "ALL_OR_NONE_OPERATION_ROLLED_BACK"


def accounts(prefix: str, n: int) -> list[dict[str, object]]:
    return [{"attributes": {"type": "Account"}, "Name": f"{prefix} {i}"} for i in range(n)]


def count(sf: Any, prefix: str) -> int:
    return int(sf.query(f"SELECT COUNT() FROM Account WHERE Name LIKE '{prefix} %'")["totalSize"])


def test_create_collection_returns_one_result_per_record(sf: Any) -> None:
    results = sf.restful(
        "composite/sobjects",
        method="POST",
        json={"allOrNone": False, "records": accounts("Coll A", 3)},
    )
    assert [r["success"] for r in results] == [True, True, True]
    assert all(r["id"].startswith("001") and r["errors"] == [] for r in results)
    assert count(sf, "Coll A") == 3


def test_partial_success_without_all_or_none(sf: Any) -> None:
    records = accounts("Coll B", 3)
    records[1] = {"attributes": {"type": "Account"}, "Type": "Customer"}  # no Name
    results = sf.restful(
        "composite/sobjects", method="POST", json={"allOrNone": False, "records": records}
    )
    assert [r["success"] for r in results] == [True, False, True]
    assert results[1]["errors"] == [
        {
            "statusCode": "REQUIRED_FIELD_MISSING",
            "message": "Required fields are missing: [Name]",
            "fields": ["Name"],
        }
    ]
    assert "id" not in results[1]
    assert count(sf, "Coll B") == 2


def test_all_or_none_rolls_everything_back(sf: Any) -> None:
    records = accounts("Coll C", 4)
    records[2]["Bogus__c"] = "x"
    results = sf.restful(
        "composite/sobjects", method="POST", json={"allOrNone": True, "records": records}
    )
    assert [r["success"] for r in results] == [False] * 4
    assert results[2]["errors"][0]["statusCode"] == "INVALID_FIELD"
    for i in (0, 1, 3):
        assert results[i]["errors"][0]["statusCode"] == ROLLED_BACK
        assert results[i]["id"] is None
    assert count(sf, "Coll C") == 0


def test_injected_failure_of_record_n(sf: Any, sf_sandbox: SalesforceSandboxHandle) -> None:
    sf_sandbox.app.admin_api.fail_collection_record(
        1, "UNABLE_TO_LOCK_ROW", "unable to obtain exclusive access to this record"
    )
    results = sf.restful(
        "composite/sobjects",
        method="POST",
        json={"allOrNone": False, "records": accounts("Coll D", 3)},
    )
    assert [r["success"] for r in results] == [True, False, True]
    assert results[1]["errors"][0] == {
        "statusCode": "UNABLE_TO_LOCK_ROW",
        "message": "unable to obtain exclusive access to this record",
        "fields": [],
    }
    # The failure was consumed: the next call succeeds completely.
    again = sf.restful(
        "composite/sobjects",
        method="POST",
        json={"allOrNone": True, "records": accounts("Coll D2", 2)},
    )
    assert all(r["success"] for r in again)


def test_update_and_delete_collections(sf: Any) -> None:
    created = sf.restful(
        "composite/sobjects", method="POST", json={"records": accounts("Coll E", 2)}
    )
    ids = [r["id"] for r in created]
    updates = [{"attributes": {"type": "Account"}, "Id": i, "Industry": "Retail"} for i in ids]
    updates.append(
        {"attributes": {"type": "Account"}, "Id": "0015g0000000000AAA", "Industry": "Retail"}
    )
    results = sf.restful(
        "composite/sobjects", method="PATCH", json={"allOrNone": False, "records": updates}
    )
    assert [r["success"] for r in results] == [True, True, False]
    assert results[2]["id"] == "0015g0000000000AAA"
    assert {
        r["Industry"]
        for r in sf.query(f"SELECT Industry FROM Account WHERE Id IN ('{ids[0]}', '{ids[1]}')")[
            "records"
        ]
    } == {"Retail"}
    deleted = sf.restful(
        "composite/sobjects", method="DELETE", params={"ids": ",".join(ids), "allOrNone": "true"}
    )
    assert [r["success"] for r in deleted] == [True, True]
    assert count(sf, "Coll E") == 0


def test_all_or_none_update_restores_earlier_values(
    sf: Any, sf_sandbox: SalesforceSandboxHandle
) -> None:
    created = sf.restful(
        "composite/sobjects", method="POST", json={"records": accounts("Coll F", 2)}
    )
    ids = [r["id"] for r in created]
    stamps = [sf_sandbox.app.admin_api.record("Account", i)["SystemModstamp"] for i in ids]
    updates = [
        {"attributes": {"type": "Account"}, "Id": ids[0], "Name": "Coll F renamed"},
        {"attributes": {"type": "Account"}, "Id": ids[1], "Name": None},
    ]
    results = sf.restful(
        "composite/sobjects", method="PATCH", json={"allOrNone": True, "records": updates}
    )
    assert results[0] == {
        "id": ids[0],
        "success": False,
        "errors": [
            {"statusCode": ROLLED_BACK, "message": results[0]["errors"][0]["message"], "fields": []}
        ],
    }
    assert results[1]["errors"][0]["statusCode"] == "REQUIRED_FIELD_MISSING"
    after = [sf_sandbox.app.admin_api.record("Account", i) for i in ids]
    assert [a["Name"] for a in after] == ["Coll F 0", "Coll F 1"]
    assert [a["SystemModstamp"] for a in after] == stamps


def test_a_value_of_the_wrong_json_type_refuses_the_whole_call(sf: Any) -> None:
    records = accounts("Coll G", 3)
    records[1]["IsPartner"] = "maybe"
    with pytest.raises(SalesforceMalformedRequest) as exc:
        sf.restful("composite/sobjects", method="POST", json={"records": records})
    assert [e["errorCode"] for e in content(exc.value)] == ["JSON_PARSER_ERROR"]
    assert "IsPartner" in content(exc.value)[0]["message"]
    assert count(sf, "Coll G") == 0  # none saved, allOrNone false or not


def test_upsert_collection_by_external_id(sf: Any) -> None:
    body = {
        "allOrNone": False,
        "records": [
            {
                "attributes": {"type": "Account"},
                "Channelsync_Id__c": "CS-ACC-1",
                "Name": "Upserted 1",
            },
            {
                "attributes": {"type": "Account"},
                "Channelsync_Id__c": "CS-ACC-2",
                "Name": "Upserted 2",
            },
        ],
    }
    first = sf.restful("composite/sobjects/Account/Channelsync_Id__c", method="PATCH", json=body)
    assert [r["created"] for r in first] == [True, True]
    body["records"][0]["Name"] = "Upserted 1 again"  # type: ignore[index]
    second = sf.restful("composite/sobjects/Account/Channelsync_Id__c", method="PATCH", json=body)
    assert [r["created"] for r in second] == [False, False]
    assert [r["id"] for r in second] == [r["id"] for r in first]
    assert (
        sf.Account.get_by_custom_id("Channelsync_Id__c", "CS-ACC-1")["Name"] == "Upserted 1 again"
    )


def test_retrieve_collection(sf: Any, http: httpx.Client) -> None:
    ids = [r["Id"] for r in sf.query("SELECT Id FROM Product2 LIMIT 2")["records"]]
    rows = http.get(
        "/composite/sobjects/Product2",
        params={"ids": ",".join([*ids, "01t5g0000000000AAA"]), "fields": "Id,ProductCode"},
    ).json()
    assert [r["Id"] for r in rows[:2]] == ids and rows[2] is None
    assert all(r["ProductCode"].startswith("CS-") for r in rows[:2])


def test_more_than_200_records_is_refused(sf: Any) -> None:
    with pytest.raises(SalesforceMalformedRequest) as exc:
        sf.restful("composite/sobjects", method="POST", json={"records": accounts("Too many", 201)})
    assert content(exc.value)[0]["errorCode"] == "EXCEEDED_ID_LIMIT"
    assert count(sf, "Too many") == 0
