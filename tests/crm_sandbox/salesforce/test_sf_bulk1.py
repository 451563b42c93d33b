"""Bulk API 1.0 query jobs through simple-salesforce's ``sf.bulk`` and raw HTTP (XML, JSON, CSV)."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, date, datetime
from typing import Any
from xml.etree import ElementTree

import pytest
import requests
from simple_salesforce.exceptions import SalesforceGeneralError

from crm_sandbox.salesforce.testing import SalesforceSandboxHandle
from tests.crm_sandbox.salesforce.bulk1_client import NS, Bulk1, xml_fields, xml_list
from tests.crm_sandbox.salesforce.oracle import content, date_of, live, stamp_of

#: Accents, CJK, emoji, and a multi-line value with quotes and commas.
NAMES = ("Café Müller & Søn", "東京商事株式会社", "Rocket 🚀 Labs")
DESCRIPTION = 'First line, with a comma\n"Quoted", he said\r\nlast line ""twice"", end'


@pytest.fixture()
def bulk(sf_sandbox: SalesforceSandboxHandle, token: str) -> Bulk1:
    return Bulk1(sf_sandbox, token)


def epoch_ms(value: date | datetime) -> int:
    if not isinstance(value, datetime):
        value = datetime.combine(value, datetime.min.time(), UTC)
    return round(value.timestamp() * 1000)


def test_simple_salesforce_query_reads_every_record_once(
    sf: Any, sf_sandbox: SalesforceSandboxHandle
) -> None:
    soql = "SELECT Id, Name, Amount, CloseDate, SystemModstamp, Account.Name FROM Opportunity"
    rows = sf.bulk.Opportunity.query(soql, wait=0)
    store = sf_sandbox.app.store.records
    want = {str(r["Id"]): r for r in live(sf_sandbox, "Opportunity")}
    assert len(rows) == len(want) and {r["Id"] for r in rows} == set(want)
    for row in rows:
        rec = want[row["Id"]]
        assert row["attributes"]["type"] == "Opportunity"
        # Bulk API JSON sends dates and dateTimes as epoch milliseconds.
        assert row["CloseDate"] == epoch_ms(date_of(rec, "CloseDate"))
        assert row["SystemModstamp"] == epoch_ms(stamp_of(rec))
        assert row["Account"]["Name"] == store["Account"][str(rec["AccountId"])]["Name"]


def test_split_result_files_are_each_read_once(
    sf: Any, sf_sandbox: SalesforceSandboxHandle
) -> None:
    sf_sandbox.app.admin_api.set_bulk_progress(rows_per_result=250)
    before = sf_sandbox.app.calls().get("bulk1.batch.result", 0)
    rows = sf.bulk.Opportunity.query("SELECT Id FROM Opportunity", wait=0)
    ids = [r["Id"] for r in rows]
    assert len(ids) == len(set(ids)) == len(live(sf_sandbox, "Opportunity"))
    files = sf_sandbox.app.calls()["bulk1.batch.result"] - before
    assert files == -(-len(ids) // 250) > 1


def test_query_all_sees_deleted_records_query_does_not(
    sf: Any, sf_sandbox: SalesforceSandboxHandle
) -> None:
    victim = sf.Product2.create({"Name": "Bulk1 victim", "ProductCode": "CS-B1-1"})["id"]
    sf.Product2.delete(victim)
    everything = sf.bulk.Product2.query_all("SELECT Id, IsDeleted FROM Product2", wait=0)
    ids = [r["Id"] for r in everything]
    assert len(ids) == len(set(ids)) and set(ids) == set(sf_sandbox.app.store.records["Product2"])
    assert {r["Id"]: r["IsDeleted"] for r in everything}[victim] is True
    assert victim not in {
        r["Id"] for r in sf.bulk.Product2.query("SELECT Id FROM Product2", wait=0)
    }


def _make_accounts(sf: Any, tag: str) -> dict[str, str]:
    return {
        sf.Account.create({"Name": f"{tag} {name}", "Description": DESCRIPTION})["id"]: (
            f"{tag} {name}"
        )
        for name in NAMES
    }


def test_non_ascii_and_multiline_values_round_trip_through_csv(sf: Any, bulk: Bulk1) -> None:
    made = _make_accounts(sf, "RT-CSV")
    job = bulk.create_job("Account")
    batch = bulk.add_batch(
        job, "SELECT Id, Name, Description FROM Account WHERE Name LIKE 'RT-CSV %'"
    )
    assert bulk.batch(job, batch["id"])["state"] == "Completed"
    (result,) = bulk.result_ids(job, batch["id"])
    response = bulk.result(job, batch["id"], result)
    # What Salesforce sends: text/csv and no charset. The bytes are UTF-8.
    assert response.headers["Content-Type"] == "text/csv"
    text = response.content.decode("utf-8")
    assert text.startswith('"Id","Name","Description"\n')
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    assert {r["Id"]: r["Name"] for r in rows} == made
    assert {r["Description"] for r in rows} == {DESCRIPTION}
    # requests decodes a charset-less text/* body as ISO-8859-1: .text is mojibake.
    assert response.encoding == "ISO-8859-1"
    assert "東京" not in response.text and response.text.encode("latin-1").decode() == text


def test_non_ascii_values_round_trip_through_json_and_xml(sf: Any, bulk: Bulk1) -> None:
    made = _make_accounts(sf, "RT-JX")
    soql = "SELECT Id, Name, Description FROM Account WHERE Name LIKE 'RT-JX %'"
    via_client = sf.bulk.Account.query(soql, wait=0)
    assert {r["Id"]: r["Name"] for r in via_client} == made
    assert {r["Description"] for r in via_client} == {DESCRIPTION}
    xml_job = bulk.create_job("Account", content_type="XML")
    batch = bulk.add_batch(xml_job, soql, "application/xml")
    assert bulk.batch(xml_job, batch["id"])["state"] == "Completed"
    (result,) = bulk.result_ids(xml_job, batch["id"])
    response = bulk.result(xml_job, batch["id"], result)
    assert response.headers["Content-Type"] == "application/xml"
    records = ElementTree.fromstring(response.content).findall(NS + "records")
    got = {r.findtext(NS + "Id"): r.findtext(NS + "Name") for r in records}
    assert got == made
    assert {r.findtext(NS + "Description") for r in records} == {DESCRIPTION.replace("\r\n", "\n")}


def test_xml_job_lifecycle_with_polling_states(
    bulk: Bulk1, sf_sandbox: SalesforceSandboxHandle
) -> None:
    sf_sandbox.app.admin_api.set_bulk_progress(queued_polls=1, in_progress_polls=1)
    body = (
        '<?xml version="1.0" encoding="UTF-8"?><jobInfo xmlns="http://www.force.com/2009/06/'
        'asyncapi/dataload"><operation>query</operation><object>Contact</object>'
        "<concurrencyMode>Parallel</concurrencyMode><contentType>CSV</contentType></jobInfo>"
    )
    created = bulk.call("POST", "/job", body, "application/xml; charset=UTF-8")
    assert created.status_code == 201 and created.headers["Content-Type"] == "application/xml"
    job = xml_fields(created.text)
    assert (job["state"], job["operation"], job["object"], job["contentType"]) == (
        "Open",
        "query",
        "Contact",
        "CSV",
    )
    added = bulk.call(
        "POST", f"/job/{job['id']}/batch", "SELECT Id, Email FROM Contact", "text/csv"
    )
    batch = xml_fields(added.text)
    assert added.headers["Location"].endswith(f"/job/{job['id']}/batch/{batch['id']}")
    closing = '<jobInfo xmlns="http://www.force.com/2009/06/asyncapi/dataload"><state>Closed</state></jobInfo>'
    closed = xml_fields(bulk.call("POST", f"/job/{job['id']}", closing, "application/xml").text)
    assert closed["state"] == "Closed" and closed["numberBatchesTotal"] == "1"
    # tap-salesforce polls with "Content-Type: application/json" and parses XML: a CSV job's
    # batch resources are XML whatever the request says.
    polls = [
        bulk.call("GET", f"/job/{job['id']}/batch/{batch['id']}", content_type="application/json")
        for _ in range(3)
    ]
    assert {p.headers["Content-Type"] for p in polls} == {"application/xml"}
    seen = [batch["state"]] + [xml_fields(p.text)["state"] for p in polls]
    assert seen == ["Queued", "Queued", "InProgress", "Completed"]
    info = xml_fields(bulk.call("GET", f"/job/{job['id']}").text)
    contacts = live(sf_sandbox, "Contact")
    assert info["numberBatchesCompleted"] == "1"
    assert info["numberRecordsProcessed"] == str(len(contacts))
    (result,) = bulk.result_ids(job["id"], batch["id"])
    rows = list(
        csv.DictReader(io.StringIO(bulk.result(job["id"], batch["id"], result).content.decode()))
    )
    assert {r["Id"] for r in rows} == {str(c["Id"]) for c in contacts}
    assert {r["Email"] for r in rows} == {str(c["Email"] or "") for c in contacts}


def test_json_job_answers_in_json(bulk: Bulk1, sf_sandbox: SalesforceSandboxHandle) -> None:
    job = bulk.create_job("Pricebook2", content_type="JSON")
    added = bulk.call(
        "POST", f"/job/{job}/batch", "SELECT Id, Name FROM Pricebook2", "application/json"
    )
    assert added.status_code == 201 and added.headers["Content-Type"] == "application/json"
    batch = added.json()
    assert batch["state"] == "Queued" and batch["stateMessage"] is None
    polled = bulk.call("GET", f"/job/{job}/batch/{batch['id']}", content_type="application/json")
    assert polled.json()["state"] == "Completed"
    listed = bulk.call("GET", f"/job/{job}/batch").json()
    assert [b["id"] for b in listed["batchInfo"]] == [batch["id"]]
    results = bulk.call("GET", f"/job/{job}/batch/{batch['id']}/result").json()
    records = bulk.call("GET", f"/job/{job}/batch/{batch['id']}/result/{results[0]}").json()
    assert {r["Id"] for r in records} == {str(r["Id"]) for r in live(sf_sandbox, "Pricebook2")}
    info = bulk.call("GET", f"/job/{job}", content_type="application/json").json()
    assert info["contentType"] == "JSON" and info["numberBatchesCompleted"] == 1


def test_an_empty_csv_result_says_records_not_found(bulk: Bulk1) -> None:
    job = bulk.create_job("Account")
    batch = bulk.add_batch(job, "SELECT Id FROM Account WHERE Name = 'no such account at all'")
    assert bulk.batch(job, batch["id"])["numberRecordsProcessed"] == "0"
    (result,) = bulk.result_ids(job, batch["id"])
    assert bulk.result(job, batch["id"], result).content == b"Records not found for this query"


def test_bad_soql_fails_the_batch_not_the_http_call(sf: Any, bulk: Bulk1) -> None:
    job = bulk.create_job("Account")
    batch = bulk.add_batch(job, "SELECT Id, Nope FROM Account")
    assert batch["state"] == "Queued"
    failed = bulk.batch(job, batch["id"])
    assert failed["state"] == "Failed"
    assert failed["stateMessage"].startswith(
        "InvalidBatch : Failed to process query: INVALID_FIELD: "
    )
    assert "No such column 'Nope' on entity 'Account'" in failed["stateMessage"]
    results = bulk.call("GET", f"/job/{job}/batch/{batch['id']}/result")
    assert results.status_code == 400
    assert xml_fields(results.text) == {
        "exceptionCode": "InvalidBatch",
        "exceptionMessage": "Batch not completed",
    }
    with pytest.raises(SalesforceGeneralError) as exc:
        sf.bulk.Account.query("SELECT Id FROM Account WHERE IsPartner > true", wait=0)
    assert vars(exc.value)["status"] == "Failed"
    assert "INVALID_QUERY_FILTER_OPERATOR" in str(content(exc.value))


def test_query_timeout_through_the_fault_api(
    sf: Any, sf_sandbox: SalesforceSandboxHandle, raw: requests.Session
) -> None:
    sf_sandbox.app.admin_api.fail_bulk_batches()
    with pytest.raises(SalesforceGeneralError) as exc:
        sf.bulk.Account.query("SELECT Id FROM Account", wait=0)
    assert "QUERY_TIMEOUT" in str(content(exc.value))
    assert sf.bulk.Account.query("SELECT Id FROM Account LIMIT 3", wait=0)
    admin = f"{sf_sandbox.base_url}/__admin"
    assert raw.post(f"{admin}/salesforce/faults/bulk-batch", json={"skip": 1}).status_code == 204
    assert len(sf.bulk.Account.query("SELECT Id FROM Account LIMIT 2", wait=0)) == 2
    with pytest.raises(SalesforceGeneralError):
        sf.bulk.Account.query("SELECT Id FROM Account LIMIT 2", wait=0)
    fault = {
        "route": "bulk1.batch",
        "kind": "batch-failed",
        "body": "InvalidBatch : Retried more than 15 times",
    }
    assert raw.post(f"{admin}/faults", json=fault).status_code == 204
    with pytest.raises(SalesforceGeneralError) as again:
        sf.bulk.Account.query("SELECT Id FROM Account", wait=0)
    assert content(again.value) == "InvalidBatch : Retried more than 15 times"


def test_aborting_a_job_leaves_queued_batches_not_processed(
    bulk: Bulk1, sf_sandbox: SalesforceSandboxHandle, raw: requests.Session
) -> None:
    pacing = raw.post(f"{sf_sandbox.base_url}/__admin/salesforce/bulk1", json={"queued_polls": 5})
    assert pacing.status_code == 204
    job = bulk.create_job("Account")
    batch = bulk.add_batch(job, "SELECT Id FROM Account")
    aborted = bulk.call("POST", f"/job/{job}", json.dumps({"state": "Aborted"}), "application/json")
    assert aborted.json()["state"] == "Aborted"
    assert [b["state"] for b in bulk.batches(job)] == ["NotProcessed"]
    assert bulk.batch(job, batch["id"])["state"] == "NotProcessed"
    again = bulk.call("POST", f"/job/{job}", json.dumps({"state": "Closed"}), "application/json")
    assert again.status_code == 400 and again.json()["exceptionCode"] == "InvalidJobState"


def test_limits_count_bulk_batches(sf: Any, bulk: Bulk1) -> None:
    before = sf.limits()["DailyBulkApiBatches"]["Remaining"]
    job = bulk.create_job("Account")
    bulk.add_batch(job, "SELECT Id FROM Account")
    assert sf.limits()["DailyBulkApiBatches"]["Remaining"] == before - 1
    assert xml_list(bulk.call("GET", f"/job/{job}/batch").text, "batchInfo")
