"""Bulk API 1.0 PK chunking (``Sforce-Enable-PKChunking``): chunk batches by Id range, read once each."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from simple_salesforce.exceptions import SalesforceMalformedRequest

from crm_sandbox.salesforce.testing import SalesforceSandboxHandle
from tests.crm_sandbox.salesforce.bulk1_client import Bulk1
from tests.crm_sandbox.salesforce.oracle import content, decimal_of, live


@pytest.fixture()
def bulk(sf_sandbox: SalesforceSandboxHandle, token: str) -> Bulk1:
    return Bulk1(sf_sandbox, token)


def run_chunked(bulk: Bulk1, job: str, soql: str) -> tuple[list[dict[str, str]], list[str]]:
    """What tap-salesforce does: add the batch, close, poll the list until nothing is pending,
    then read every Completed batch's result files. Returns (batch infos, result ids read)."""
    original = bulk.add_batch(job, soql)
    bulk.close(job)
    for _ in range(20):
        batches = bulk.batches(job)
        if not any(b["state"] in ("Queued", "InProgress") for b in batches):
            break
    assert batches[0]["id"] == original["id"]
    ids: list[str] = []
    for info in batches:
        if info["state"] != "Completed":
            continue
        for result in bulk.result_ids(job, info["id"]):
            text = bulk.result(job, info["id"], result).content.decode("utf-8")
            if text != "Records not found for this query":
                ids.extend(r["Id"] for r in csv.DictReader(io.StringIO(text)))
    return batches, ids


def test_chunks_cover_every_record_exactly_once(
    bulk: Bulk1, sf_sandbox: SalesforceSandboxHandle
) -> None:
    everything = sf_sandbox.app.store.records["Opportunity"]
    size = len(everything) // 4 + 1
    job = bulk.create_job(
        "Opportunity", headers={"Sforce-Enable-PKChunking": f"true; chunkSize={size}"}
    )
    batches, ids = run_chunked(bulk, job, "SELECT Id, Name FROM Opportunity WHERE Amount > 0")
    original, chunks = batches[0], batches[1:]
    assert original["state"] == "NotProcessed"
    # Deleted records count towards the chunk boundaries too, as on Salesforce.
    assert len(chunks) == -(-len(everything) // size) == 4
    assert {c["state"] for c in chunks} == {"Completed"}
    want = {str(r["Id"]) for r in live(sf_sandbox, "Opportunity") if decimal_of(r, "Amount") > 0}
    assert len(ids) == len(set(ids)) and set(ids) == want
    assert sum(int(c["numberRecordsProcessed"]) for c in chunks) == len(want)


def test_query_all_chunks_include_deleted_records_and_start_row_resumes(
    sf: Any, bulk: Bulk1, sf_sandbox: SalesforceSandboxHandle
) -> None:
    victim = sf.Contact.create({"LastName": "Chunk victim"})["id"]
    sf.Contact.delete(victim)
    table = sorted(str(i) for i in sf_sandbox.app.store.records["Contact"])
    job = bulk.create_job(
        "Contact", "queryAll", headers={"Sforce-Enable-PKChunking": "chunkSize=100"}
    )
    _, ids = run_chunked(bulk, job, "SELECT Id FROM Contact")
    assert sorted(ids) == table and victim in ids
    start = table[len(table) // 2]
    resumed = bulk.create_job(
        "Contact",
        "queryAll",
        headers={"Sforce-Enable-PKChunking": f"chunkSize=100; startRow={start[:15]}"},
    )
    _, rest = run_chunked(bulk, resumed, "SELECT Id FROM Contact")
    assert sorted(rest) == [i for i in table if i[:15] >= start[:15]]


def test_a_failed_chunk_is_reported_and_the_others_complete(
    bulk: Bulk1, sf_sandbox: SalesforceSandboxHandle
) -> None:
    sf_sandbox.app.admin_api.fail_bulk_batches(skip=1)
    job = bulk.create_job("Account", headers={"Sforce-Enable-PKChunking": "chunkSize=100"})
    batches, ids = run_chunked(bulk, job, "SELECT Id FROM Account")
    states = [b["state"] for b in batches]
    assert states[0] == "NotProcessed" and states[2] == "Failed"
    assert "QUERY_TIMEOUT" in batches[2]["stateMessage"]
    assert states.count("Completed") == len(batches) - 2
    assert len(ids) == len(set(ids)) < len(live(sf_sandbox, "Account"))


def test_chunking_refuses_order_by_and_bad_options(bulk: Bulk1) -> None:
    job = bulk.create_job("Account", headers={"Sforce-Enable-PKChunking": "true"})
    batches, ids = run_chunked(bulk, job, "SELECT Id FROM Account ORDER BY Name")
    assert [b["state"] for b in batches] == ["Failed"] and ids == []
    assert "PK chunking" in batches[0]["stateMessage"]
    for option in ("chunkSize=0", "chunkSize=250001", "startRow=nope", "parent=Account"):
        response = bulk.call(
            "POST",
            "/job",
            '{"operation": "query", "object": "Account", "contentType": "CSV"}',
            "application/json",
            {"Sforce-Enable-PKChunking": option},
        )
        assert response.status_code == 400, option
        assert response.json()["exceptionCode"] == "InvalidJob"


def test_simple_salesforce_cannot_read_a_chunked_job(sf: Any) -> None:
    """simple-salesforce 1.12.10 reads only the batch it added: with PK chunking that batch is
    NotProcessed, so its result list is refused rather than answered with nothing."""
    handler = sf.bulk
    handler.headers["Sforce-Enable-PKChunking"] = "chunkSize=100"
    with pytest.raises(SalesforceMalformedRequest) as exc:
        handler.Account.query("SELECT Id FROM Account", wait=0)
    assert content(exc.value) == {
        "exceptionCode": "InvalidBatch",
        "exceptionMessage": "Batch not completed",
    }
