"""Bulk API 2.0 query jobs through simple-salesforce's bulk2 handler and raw HTTP: locators and CSV."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import httpx

from crm_sandbox.salesforce.testing import SalesforceSandboxHandle


def rows(pages: list[str]) -> list[dict[str, str]]:
    out: list[dict[str, str]] = []
    for page in pages:
        out.extend(csv.DictReader(io.StringIO(page)))
    return out


def test_query_pages_follow_locators_to_the_end(
    sf: Any, sf_sandbox: SalesforceSandboxHandle
) -> None:
    before = sf_sandbox.app.calls().get("bulk2.query.results", 0)
    pages = list(
        sf.bulk2.Opportunity.query(
            "SELECT Id, Name, Amount, IsClosed, PartnerAccount.Name FROM Opportunity",
            max_records=300,
            wait=0,
        )
    )
    got = rows(pages)
    live = [r for r in sf_sandbox.app.store.records["Opportunity"].values() if not r["IsDeleted"]]
    assert {r["Id"] for r in got} == {r["Id"] for r in live}
    assert len(pages) == -(-len(live) // 300)
    assert sf_sandbox.app.calls()["bulk2.query.results"] - before == len(pages)
    assert list(got[0]) == ["Id", "Name", "Amount", "IsClosed", "PartnerAccount.Name"]
    assert {r["IsClosed"] for r in got} <= {"true", "false"}
    assert any(r["PartnerAccount.Name"] == "" for r in got)


def test_raw_job_lifecycle_headers_and_csv(
    http: httpx.Client, sf_sandbox: SalesforceSandboxHandle
) -> None:
    job = http.post(
        "/jobs/query",
        json={
            "operation": "query",
            "query": "SELECT Id, Name FROM Account WHERE Name LIKE '%Ü%' OR IsPartner = true",
        },
    ).json()
    assert (
        job["state"] == "UploadComplete"
        and job["id"].startswith("750")
        and job["jobType"] == "V2Query"
    )
    polled = http.get(f"/jobs/query/{job['id']}").json()
    assert polled["state"] == "JobComplete"
    assert polled["numberRecordsProcessed"] > 0
    partners = sum(
        1
        for r in sf_sandbox.app.store.records["Account"].values()
        if (r["IsPartner"] or "ü" in str(r["Name"]).casefold()) and not r["IsDeleted"]
    )
    first = http.get(f"/jobs/query/{job['id']}/results", params={"maxRecords": 2})
    assert first.headers["Content-Type"] == "text/csv"
    assert first.headers["Sforce-NumberOfRecords"] == "2"
    assert first.headers["Sforce-Locator"] not in ("", "null")
    rest = http.get(
        f"/jobs/query/{job['id']}/results", params={"locator": first.headers["Sforce-Locator"]}
    )
    assert rest.headers["Sforce-Locator"] == "null"
    assert int(rest.headers["Sforce-NumberOfRecords"]) == partners - 2
    assert rest.text.splitlines()[0] == "Id,Name"
    assert http.delete(f"/jobs/query/{job['id']}").status_code == 204
    assert http.get(f"/jobs/query/{job['id']}").status_code == 404


def test_query_all_job_includes_deleted_rows(sf: Any, http: httpx.Client) -> None:
    victim = sf.Product2.create({"Name": "Bulk victim", "ProductCode": "CS-BULK-1"})["id"]
    sf.Product2.delete(victim)
    job = http.post(
        "/jobs/query", json={"operation": "queryAll", "query": "SELECT Id, IsDeleted FROM Product2"}
    ).json()
    text = http.get(f"/jobs/query/{job['id']}/results").text
    found = {r["Id"]: r["IsDeleted"] for r in csv.DictReader(io.StringIO(text))}
    assert found[victim] == "true"
    plain = list(sf.bulk2.Product2.query("SELECT Id FROM Product2", wait=0))
    assert victim not in "".join(plain)


def test_download_writes_csv_files(sf: Any, tmp_path: Path) -> None:
    results = sf.bulk2.Contact.download(
        "SELECT Id, Email, Account.Name FROM Contact", path=str(tmp_path), max_records=100, wait=0
    )
    total = sum(r["number_of_records"] for r in results)
    written = rows([Path(r["file"]).read_text(encoding="utf-8") for r in results])
    assert total == len(written) == sf.query("SELECT COUNT() FROM Contact")["totalSize"]
    assert results[-1]["locator"] == ""


def test_delimiters_line_endings_and_bad_jobs(http: httpx.Client) -> None:
    job = http.post(
        "/jobs/query",
        json={
            "operation": "query",
            "query": "SELECT Id, Name FROM Pricebook2",
            "columnDelimiter": "PIPE",
            "lineEnding": "CRLF",
        },
    ).json()
    body = http.get(f"/jobs/query/{job['id']}/results").content
    assert body.startswith(b"Id|Name\r\n")
    count = http.post(
        "/jobs/query", json={"operation": "query", "query": "SELECT COUNT() FROM Account"}
    )
    assert count.status_code == 400 and count.json()[0]["errorCode"] == "INVALIDJOB"
    bad = http.post("/jobs/query", json={"operation": "query", "query": "SELECT Nope FROM Account"})
    assert bad.status_code == 400 and bad.json()[0]["errorCode"] == "INVALID_FIELD"


def test_list_abort_and_unknown_jobs(http: httpx.Client) -> None:
    job = http.post(
        "/jobs/query", json={"operation": "query", "query": "SELECT Id FROM Partner"}
    ).json()
    listed = http.get("/jobs/query").json()
    assert listed["done"] is True and job["id"] in {j["id"] for j in listed["records"]}
    aborted = http.patch(f"/jobs/query/{job['id']}", json={"state": "Aborted"}).json()
    assert aborted["state"] == "Aborted"
    refused = http.get(f"/jobs/query/{job['id']}/results")
    assert refused.status_code == 400
    missing = http.get("/jobs/query/7505g0000000000AAA")
    assert missing.status_code == 404 and missing.json()[0]["errorCode"] == "NOT_FOUND"
