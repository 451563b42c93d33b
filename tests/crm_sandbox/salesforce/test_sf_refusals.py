"""A table of malformed or unsupported Salesforce requests: each gets Salesforce's error shape.

Never a 2xx that answers a different question, never a 500. SOQL is checked on every API that
takes it: REST query, Bulk API 2.0 job creation and Bulk API 1.0 batches (where Salesforce
reports it as the batch's Failed state, not as an HTTP error).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from crm_sandbox.salesforce.testing import SalesforceSandboxHandle
from tests.crm_sandbox.salesforce.bulk1_client import Bulk1, xml_fields

#: (SOQL, the errorCode Salesforce answers)
BAD_SOQL = [
    ("SELECT Id FROM", "MALFORMED_QUERY"),
    ("SELECT Id FROM Account WHERE", "MALFORMED_QUERY"),
    ("SELECT Id FROM Account WHERE Name = ", "MALFORMED_QUERY"),
    ("SELECT Id Name FROM Account", "MALFORMED_QUERY"),
    ("SELECT Id FROM Account WHERE Name = 'unterminated", "MALFORMED_QUERY"),
    ("SELECT Id FROM Account WHERE Name = 'bad \\q escape'", "MALFORMED_QUERY"),
    ("SELECT Id FROM Account WHERE Name = :bound", "MALFORMED_QUERY"),
    ("SELECT Id FROM Account WHERE SystemModstamp > 2026-01-01T00:00:00", "MALFORMED_QUERY"),
    ("SELECT Id FROM Account WHERE SystemModstamp > 2026-01-01T00:00:00z", "MALFORMED_QUERY"),
    ("SELECT Id FROM Account WHERE SystemModstamp > 2026-01-01T00:00:00+08", "MALFORMED_QUERY"),
    ("SELECT Id FROM Account WHERE SystemModstamp > 2026-13-01T00:00:00Z", "MALFORMED_QUERY"),
    ("SELECT Id FROM Account WHERE SystemModstamp > 2026-01-01T00:00:00+25:00", "MALFORMED_QUERY"),
    ("SELECT Id FROM Account WHERE SystemModstamp > 2026-01-01 00:00:00", "MALFORMED_QUERY"),
    ("SELECT Id FROM Account WHERE SystemModstamp = LAST_N_DAYS", "MALFORMED_QUERY"),
    ("SELECT Id FROM Account WHERE SystemModstamp = LAST_N_DAYS:x", "MALFORMED_QUERY"),
    ("SELECT Id FROM Account WHERE SystemModstamp = SOMEDAY", "MALFORMED_QUERY"),
    ("SELECT Id FROM Account WHERE Name = 'a' AND Name = 'b' OR Name = 'c'", "MALFORMED_QUERY"),
    ("SELECT Id FROM Account WHERE Name = 'a' AND NOT Name = 'b'", "MALFORMED_QUERY"),
    ("SELECT Id FROM Account LIMIT -1", "MALFORMED_QUERY"),
    ("SELECT Nope FROM Account", "INVALID_FIELD"),
    ("SELECT Id FROM Account WHERE Parent.Nope__c = 'x'", "INVALID_FIELD"),
    ("SELECT Id FROM Account WHERE Nope.Name = 'x'", "INVALID_FIELD"),
    ("SELECT Id FROM Account WHERE IsPartner = 'true'", "INVALID_FIELD"),
    ("SELECT Id FROM Account WHERE Name = 5", "INVALID_FIELD"),
    ("SELECT Id FROM Opportunity WHERE CloseDate > 2026-01-01T00:00:00Z", "INVALID_FIELD"),
    ("SELECT Id FROM Opportunity WHERE SystemModstamp > 2026-01-01", "INVALID_FIELD"),
    ("SELECT Id FROM Opportunity WHERE Amount = TODAY", "INVALID_FIELD"),
    ("SELECT Id FROM Account WHERE Description = 'x'", "INVALID_FIELD"),
    ("SELECT Id FROM Account ORDER BY Description", "INVALID_FIELD"),
    ("SELECT Id FROM Widget__c", "INVALID_TYPE"),
    ("SELECT Id FROM Account WHERE IsPartner > true", "INVALID_QUERY_FILTER_OPERATOR"),
    ("SELECT Id FROM Opportunity WHERE Amount LIKE '5%'", "INVALID_QUERY_FILTER_OPERATOR"),
    ("SELECT Id FROM Account WHERE CreatedDate LIKE '2026%'", "INVALID_QUERY_FILTER_OPERATOR"),
    ("SELECT Id FROM Account OFFSET 2001", "NUMBER_OUTSIDE_VALID_RANGE"),
    # Valid SOQL the sandbox does not implement: refused, never answered differently.
    ("SELECT Id, (SELECT Id FROM Contacts) FROM Account", "FUNCTIONALITY_NOT_ENABLED"),
    ("SELECT COUNT(Id) FROM Account", "FUNCTIONALITY_NOT_ENABLED"),
    ("SELECT SUM(Amount) FROM Opportunity", "FUNCTIONALITY_NOT_ENABLED"),
    ("SELECT Name FROM Account GROUP BY Name", "FUNCTIONALITY_NOT_ENABLED"),
    ("SELECT Id FROM Account WHERE Name != null HAVING COUNT(Id) > 1", "FUNCTIONALITY_NOT_ENABLED"),
    ("SELECT TYPEOF What WHEN Account THEN Name END FROM Event", "FUNCTIONALITY_NOT_ENABLED"),
    ("SELECT Id FROM Account WITH SECURITY_ENFORCED", "FUNCTIONALITY_NOT_ENABLED"),
    ("SELECT Id FROM Account USING SCOPE mine", "FUNCTIONALITY_NOT_ENABLED"),
    ("SELECT Id FROM Account LIMIT 1 FOR UPDATE", "FUNCTIONALITY_NOT_ENABLED"),
    ("SELECT FIELDS(ALL) FROM Account LIMIT 200", "FUNCTIONALITY_NOT_ENABLED"),
    ("SELECT toLabel(Industry) FROM Account", "FUNCTIONALITY_NOT_ENABLED"),
    ("SELECT Id FROM Account a WHERE a.Name = 'x'", "FUNCTIONALITY_NOT_ENABLED"),
    (
        "SELECT Id FROM Account WHERE Id IN (SELECT AccountId FROM Contact)",
        "FUNCTIONALITY_NOT_ENABLED",
    ),
    ("SELECT Id FROM Account WHERE Industry INCLUDES ('Retail')", "FUNCTIONALITY_NOT_ENABLED"),
    ("SELECT Id FROM Account WHERE CALENDAR_YEAR(CreatedDate) = 2026", "FUNCTIONALITY_NOT_ENABLED"),
    ("SELECT Id FROM Account ORDER BY MAX(Name)", "FUNCTIONALITY_NOT_ENABLED"),
]


def rest_error(response: requests.Response, status: int, code: str) -> dict[str, Any]:
    """Assert the REST API's error shape: a list of one ``{message, errorCode}``."""
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"].startswith("application/json")
    body = response.json()
    assert isinstance(body, list) and len(body) == 1, body
    error: dict[str, Any] = body[0]
    assert error["errorCode"] == code and error["message"], error
    return error


@pytest.mark.parametrize(("soql", "code"), BAD_SOQL, ids=[s for s, _ in BAD_SOQL])
def test_bad_soql_on_rest_bulk2_and_bulk1(
    soql: str,
    code: str,
    raw: requests.Session,
    sf_sandbox: SalesforceSandboxHandle,
    bulk: Bulk1,
) -> None:
    api = f"{sf_sandbox.base_url}/services/data/v{sf_sandbox.version}"
    error = rest_error(raw.get(f"{api}/query", params={"q": soql}), 400, code)
    assert "ERROR at Row:1:Column:" in error["message"]
    rest_error(raw.get(f"{api}/queryAll", params={"q": soql}), 400, code)
    rest_error(raw.post(f"{api}/jobs/query", json={"operation": "query", "query": soql}), 400, code)
    named = re.search(r"FROM (\w+)", soql)
    sobject = (
        named.group(1) if named and named.group(1) in sf_sandbox.app.store.objects else "Account"
    )
    job = bulk.create_job(sobject)
    batch = bulk.add_batch(job, soql)
    failed = bulk.batch(job, batch["id"])
    assert failed["state"] == "Failed"
    assert failed["stateMessage"].startswith(f"InvalidBatch : Failed to process query: {code}: ")


#: SOQL REST accepts and the Bulk APIs do not.
BULK_ONLY = [
    ("SELECT COUNT() FROM Account", "FUNCTIONALITY_NOT_ENABLED"),
    ("SELECT Id FROM Account LIMIT 5 OFFSET 5", "FUNCTIONALITY_NOT_ENABLED"),
    ("SELECT Id FROM Contact", "INVALID_TYPE"),  # the job is on Account
]


@pytest.mark.parametrize(("soql", "code"), BULK_ONLY, ids=[s for s, _ in BULK_ONLY])
def test_soql_the_bulk_apis_refuse(
    soql: str, code: str, raw: requests.Session, sf_sandbox: SalesforceSandboxHandle, bulk: Bulk1
) -> None:
    job = bulk.create_job("Account")
    failed = bulk.batch(job, bulk.add_batch(job, soql)["id"])
    assert failed["state"] == "Failed"
    assert failed["stateMessage"].startswith(f"InvalidBatch : Failed to process query: {code}: ")
    if code != "INVALID_TYPE":
        api = f"{sf_sandbox.base_url}/services/data/v{sf_sandbox.version}"
        response = raw.post(f"{api}/jobs/query", json={"operation": "query", "query": soql})
        rest_error(response, 400, "INVALIDJOB")


@pytest.fixture()
def bulk(sf_sandbox: SalesforceSandboxHandle, token: str) -> Bulk1:
    return Bulk1(sf_sandbox, token)


@pytest.fixture()
def jobs(bulk: Bulk1) -> Iterator[dict[str, str]]:
    """An open CSV job, a JSON job, a closed and an aborted job, and a failed batch."""
    found = {
        "open": bulk.create_job("Account"),
        "json": bulk.create_job("Account", "query", "JSON"),
    }
    found["closed"] = bulk.create_job("Account")
    bulk.close(found["closed"])
    found["aborted"] = bulk.create_job("Account")
    bulk.call("POST", f"/job/{found['aborted']}", '{"state": "Aborted"}', "application/json")
    found["failed"] = bulk.add_batch(found["open"], "SELECT Nope FROM Account")["id"]
    yield found


_JOB = '{"operation": "query", "object": "Account", "contentType": "CSV"}'
_XML_JOB = (
    '<jobInfo xmlns="http://www.force.com/2009/06/asyncapi/dataload"><operation>query'
    "</operation><object>Account</object><contentType>CSV</contentType></jobInfo>"
)
#: (case, method, path, body, Content-Type, extra headers, HTTP status, exceptionCode)
# fmt: off
BULK1_REQUESTS: list[tuple[str, str, str, str, str | None, dict[str, str], int, str]] = [
    ("no session", "GET", "/job/{open}", "", None, {"X-SFDC-Session": ""}, 400, "InvalidSessionId"),
    ("bad session", "POST", "/job", _JOB, "application/json", {"X-SFDC-Session": "00Dxx!nope"}, 400, "InvalidSessionId"),
    ("ingest operation", "POST", "/job", _JOB.replace('"query"', '"insert"'), "application/json", {}, 400, "FeatureNotEnabled"),
    ("upper-case operation", "POST", "/job", _JOB.replace('"query"', '"QUERY"'), "application/json", {}, 400, "InvalidJob"),
    ("unknown operation", "POST", "/job", _JOB.replace('"query"', '"select"'), "application/json", {}, 400, "InvalidJob"),
    ("missing operation", "POST", "/job", '{"object": "Account"}', "application/json", {}, 400, "InvalidJob"),
    ("unknown object", "POST", "/job", _JOB.replace("Account", "Widget__c"), "application/json", {}, 400, "InvalidJob"),
    ("zip content type", "POST", "/job", _JOB.replace("CSV", "ZIP_CSV"), "application/json", {}, 400, "InvalidJob"),
    ("bad concurrency", "POST", "/job", _JOB[:-1] + ', "concurrencyMode": "Eager"}', "application/json", {}, 400, "InvalidJob"),
    ("unknown jobInfo field", "POST", "/job", _JOB[:-1] + ', "query": "SELECT Id"}', "application/json", {}, 400, "InvalidJob"),
    ("malformed JSON", "POST", "/job", '{"operation": ', "application/json", {}, 400, "InvalidJob"),
    ("malformed XML", "POST", "/job", "<jobInfo><operation>query", "application/xml", {}, 400, "InvalidXML"),
    ("XML entities", "POST", "/job", '<!DOCTYPE x [<!ENTITY a "b">]>' + _XML_JOB, "application/xml", {}, 400, "InvalidXML"),
    ("wrong XML root", "POST", "/job", _XML_JOB.replace("jobInfo", "batchInfo"), "application/xml", {}, 400, "InvalidXML"),
    ("job body as text", "POST", "/job", _JOB, "text/plain", {}, 400, "ClientInputError"),
    ("unknown job", "GET", "/job/7505g00000ZZZZZAAA", "", None, {}, 400, "InvalidJob"),
    ("batch on unknown job", "POST", "/job/7505g00000ZZZZZAAA/batch", "SELECT Id FROM Account", "text/csv", {}, 400, "InvalidJob"),
    ("batch on a closed job", "POST", "/job/{closed}/batch", "SELECT Id FROM Account", "text/csv", {}, 400, "InvalidJobState"),
    ("batch on an aborted job", "POST", "/job/{aborted}/batch", "SELECT Id FROM Account", "text/csv", {}, 400, "InvalidJobState"),
    ("JSON batch on a CSV job", "POST", "/job/{open}/batch", "SELECT Id FROM Account", "application/json", {}, 400, "InvalidBatch"),
    ("CSV batch on a JSON job", "POST", "/job/{json}/batch", "SELECT Id FROM Account", "text/csv", {}, 400, "InvalidBatch"),
    ("batch without a content type", "POST", "/job/{open}/batch", "SELECT Id FROM Account", None, {}, 400, "InvalidBatch"),
    ("empty batch", "POST", "/job/{open}/batch", "", "text/csv", {}, 400, "InvalidBatch"),
    ("reopen a job", "POST", "/job/{open}", '{"state": "Open"}', "application/json", {}, 400, "InvalidJobState"),
    ("close a closed job", "POST", "/job/{closed}", '{"state": "Closed"}', "application/json", {}, 400, "InvalidJobState"),
    ("abort an aborted job", "POST", "/job/{aborted}", '{"state": "Aborted"}', "application/json", {}, 400, "InvalidJobState"),
    ("unknown batch", "GET", "/job/{open}/batch/7515g00000ZZZZZAAA", "", None, {}, 400, "InvalidBatch"),
    ("results of a failed batch", "GET", "/job/{open}/batch/{failed}/result", "", None, {}, 400, "InvalidBatch"),
    ("result file of a failed batch", "GET", "/job/{open}/batch/{failed}/result/7525g00000ZZZZZ", "", None, {}, 400, "InvalidBatch"),
    ("unknown resource", "GET", "/jobs", "", None, {}, 404, "InvalidUrl"),
    ("delete a job", "DELETE", "/job/{open}", "", None, {}, 404, "InvalidUrl"),
    ("version without minor", "POST", "/services/async/59/job", _JOB, "application/json", {}, 404, "InvalidUrl"),
]
# fmt: on


@pytest.mark.parametrize(
    ("case", "method", "path", "body", "ctype", "headers", "status", "code"),
    BULK1_REQUESTS,
    ids=[c[0] for c in BULK1_REQUESTS],
)
def test_bulk1_refusals(
    bulk: Bulk1,
    jobs: dict[str, str],
    case: str,
    method: str,
    path: str,
    body: str,
    ctype: str | None,
    headers: dict[str, str],
    status: int,
    code: str,
) -> None:
    response = bulk.call(method, path.format(**jobs), body or None, ctype, headers)
    assert response.status_code == status, response.text
    if ctype == "application/json":
        # A JSON request gets the JSON form of the Bulk API error, nothing else in it.
        assert response.headers["Content-Type"] == "application/json"
        error = response.json()
        assert sorted(error) == ["exceptionCode", "exceptionMessage"], error
        assert error["exceptionCode"] == code and error["exceptionMessage"], error
    else:
        assert response.headers["Content-Type"] == "application/xml"
        error = xml_fields(response.text)
        assert error["exceptionCode"] == code and error["exceptionMessage"], error


#: (case, method, path under /services/data/vXX.X, body, Content-Type, status, errorCode)
# fmt: off
REST_REQUESTS = [
    ("query without q", "GET", "/query", None, None, 400, "MALFORMED_QUERY"),
    ("create from XML", "POST", "/sobjects/Account", "<Account><Name>x</Name></Account>", "application/xml", 415, "UNSUPPORTED_MEDIA_TYPE"),
    ("create from text", "POST", "/sobjects/Account", '{"Name": "x"}', "text/plain", 415, "UNSUPPORTED_MEDIA_TYPE"),
    ("create from broken JSON", "POST", "/sobjects/Account", '{"Name": ', "application/json", 400, "JSON_PARSER_ERROR"),
    ("collection from CSV", "POST", "/composite/sobjects", "Name\nx\n", "text/csv", 415, "UNSUPPORTED_MEDIA_TYPE"),
    ("bulk 2.0 job from CSV", "POST", "/jobs/query", "SELECT Id FROM Account", "text/csv", 415, "UNSUPPORTED_MEDIA_TYPE"),
    ("unknown sobject", "GET", "/sobjects/Widget__c/describe", None, None, 404, "NOT_FOUND"),
    ("unknown resource", "GET", "/nothing/here", None, None, 404, "NOT_FOUND"),
]
# fmt: on


@pytest.mark.parametrize(
    ("case", "method", "path", "body", "ctype", "status", "code"),
    REST_REQUESTS,
    ids=[c[0] for c in REST_REQUESTS],
)
def test_rest_refusals(
    raw: requests.Session,
    sf_sandbox: SalesforceSandboxHandle,
    case: str,
    method: str,
    path: str,
    body: str | None,
    ctype: str | None,
    status: int,
    code: str,
) -> None:
    api = f"{sf_sandbox.base_url}/services/data/v{sf_sandbox.version}"
    headers = {} if ctype is None else {"Content-Type": ctype}
    data = None if body is None else body.encode()
    response = raw.request(method, api + path, data=data, headers=headers, timeout=10)
    rest_error(response, status, code)
    assert json.dumps(response.json())  # a JSON error body, not an HTML page
