"""Fault injection, per route: statuses, Salesforce-specific errors, latency, resets, truncated bodies."""

from __future__ import annotations

import json
import ssl
from typing import Any

import httpx
import pytest
import requests
from simple_salesforce.exceptions import (
    SalesforceExpiredSession,
    SalesforceGeneralError,
    SalesforceMalformedRequest,
    SalesforceRefusedRequest,
)

from crm_sandbox.common.faults import Fault
from crm_sandbox.salesforce.testing import SalesforceSandboxHandle
from tests.crm_sandbox.salesforce.oracle import content

Q = "SELECT Id FROM Account LIMIT 1"


def admin_client(handle: SalesforceSandboxHandle) -> httpx.Client:
    return httpx.Client(
        base_url=handle.base_url,
        verify=ssl.create_default_context(cafile=handle.ca_path),
        timeout=10,
    )


@pytest.mark.parametrize("status", [500, 503])
def test_server_errors_become_general_errors_once(
    sf: Any, sf_sandbox: SalesforceSandboxHandle, status: int
) -> None:
    sf_sandbox.app.add_fault(
        Fault("query", "status", status, b'[{"message":"boom","errorCode":"UNKNOWN_EXCEPTION"}]')
    )
    with pytest.raises(SalesforceGeneralError) as exc:
        sf.query(Q)
    assert exc.value.status == status
    assert sf.query(Q)["totalSize"] == 1


def test_429_with_and_without_retry_after(
    raw: requests.Session, sf_sandbox: SalesforceSandboxHandle
) -> None:
    url = f"{sf_sandbox.base_url}/services/data/v59.0/query/"
    sf_sandbox.app.add_fault(Fault("query", "status", 429, b"[]", headers={"Retry-After": "3"}))
    sf_sandbox.app.add_fault(Fault("query", "status", 429, b"[]"))
    first = raw.get(url, params={"q": Q})
    second = raw.get(url, params={"q": Q})
    assert (first.status_code, first.headers.get("Retry-After")) == (429, "3")
    assert (second.status_code, second.headers.get("Retry-After")) == (429, None)
    assert "Sforce-Limit-Info" in second.headers
    assert raw.get(url, params={"q": Q}).status_code == 200


def test_request_limit_and_query_timeout_helpers(
    sf: Any, sf_sandbox: SalesforceSandboxHandle
) -> None:
    admin = sf_sandbox.app.admin_api
    admin.fail_request_limit(route="sobject.describe")
    with pytest.raises(SalesforceRefusedRequest) as refused:
        sf.Account.describe()
    assert content(refused.value)[0]["errorCode"] == "REQUEST_LIMIT_EXCEEDED"
    admin.fail_query_timeout()
    with pytest.raises(SalesforceMalformedRequest) as slow:
        sf.query(Q)
    assert content(slow.value)[0]["errorCode"] == "QUERY_TIMEOUT"
    assert sf.Account.describe()["name"] == "Account"


def test_session_fault_answers_401(sf: Any, sf_sandbox: SalesforceSandboxHandle) -> None:
    sf_sandbox.app.admin_api.fail_session(route="limits")
    with pytest.raises(SalesforceExpiredSession) as exc:
        sf.limits()
    assert content(exc.value)[0]["errorCode"] == "INVALID_SESSION_ID"
    assert sf.limits()["DailyApiRequests"]["Max"] > 0


def test_skip_and_times_target_later_pages(sf: Any, sf_sandbox: SalesforceSandboxHandle) -> None:
    sf_sandbox.app.add_fault(Fault("query.more", "status", 503, b"[]", skip=0, times=1))
    with pytest.raises(SalesforceGeneralError):
        sf.query_all("SELECT Id FROM OpportunityLineItem")
    assert sf.query_all("SELECT Id FROM OpportunityLineItem")["totalSize"] > 2000


def test_latency_still_answers(sf: Any, sf_sandbox: SalesforceSandboxHandle) -> None:
    sf_sandbox.app.add_fault(Fault("query", "latency", delay_s=0.05))
    assert sf.query(Q)["totalSize"] == 1
    assert not sf_sandbox.app.faults.pending()


def test_reset_mid_response(raw: requests.Session, sf_sandbox: SalesforceSandboxHandle) -> None:
    sf_sandbox.app.add_fault(Fault("query", "reset"))
    with pytest.raises(
        (requests.exceptions.ConnectionError, requests.exceptions.ChunkedEncodingError)
    ):
        raw.get(
            f"{sf_sandbox.base_url}/services/data/v59.0/query/",
            params={"q": "SELECT Id, Name FROM Account"},
        )


@pytest.mark.parametrize("kind", ["truncate", "malformed"])
def test_broken_json_bodies(sf: Any, sf_sandbox: SalesforceSandboxHandle, kind: str) -> None:
    sf_sandbox.app.add_fault(Fault("query", kind))  # type: ignore[arg-type]
    with pytest.raises(json.JSONDecodeError):
        sf.query("SELECT Id, Name FROM Account")


def test_admin_http_api(sf: Any, sf_sandbox: SalesforceSandboxHandle) -> None:
    acc = sf.query("SELECT Id FROM Account ORDER BY Id DESC LIMIT 1")["records"][0]["Id"]
    with admin_client(sf_sandbox) as admin:
        changed = admin.patch(
            f"/__admin/salesforce/records/Account/{acc}", json={"Industry": "Finance"}
        )
        assert changed.status_code == 200 and changed.json()["Industry"] == "Finance"
        stamped = admin.post(
            f"/__admin/salesforce/records/Account/{acc}/stamp",
            json={"at": "2026-01-02T03:04:05.000+0000"},
        )
        assert stamped.json() == {"SystemModstamp": "2026-01-02T03:04:05.000+0000"}
        assert admin.delete(f"/__admin/salesforce/records/Account/{acc}").status_code == 204
        assert sf.query(f"SELECT COUNT() FROM Account WHERE Id = '{acc}'")["totalSize"] == 0
        assert admin.post(f"/__admin/salesforce/records/Account/{acc}/undelete").status_code == 204
        assert (
            admin.post("/__admin/salesforce/faults/query-timeout", json={"times": 1}).status_code
            == 204
        )
        with pytest.raises(SalesforceMalformedRequest):
            sf.query(Q)
        assert (
            admin.post(
                "/__admin/salesforce/faults/collection-record", json={"index": 0}
            ).status_code
            == 204
        )
        result = sf.restful(
            "composite/sobjects",
            method="POST",
            json={"records": [{"attributes": {"type": "Account"}, "Name": "Admin fail"}]},
        )
        assert result[0]["errors"][0]["statusCode"] == "FIELD_CUSTOM_VALIDATION_EXCEPTION"
        assert (
            admin.post("/__admin/faults", json={"route": "limits", "status": 503}).status_code
            == 204
        )
        with pytest.raises(SalesforceGeneralError):
            sf.limits()
        calls = admin.get("/__admin/calls").json()
        assert calls["limits"] >= 1 and calls["query"] >= 1
        log = admin.get("/__admin/requests", params={"route": "composite.create"}).json()
        assert log[-1]["status"] == 200 and "Admin fail" in log[-1]["body"]
        unknown = admin.post("/__admin/salesforce/faults/meteor", json={})
        assert unknown.status_code == 400
        assert admin.post("/__admin/salesforce/sessions/expire").status_code == 204
    with pytest.raises(SalesforceExpiredSession):
        sf.query(Q)
