"""Rate limits (headers, 10-second / daily / search budgets, 429 bodies) and injected faults."""

from __future__ import annotations

import json

import httpx
import pytest
from hubspot import HubSpot
from hubspot.crm.companies import ApiException as CompaniesApiException
from hubspot.crm.contacts import ApiException as ContactsApiException
from hubspot.crm.deals import ApiException, PublicObjectSearchRequest

from crm_sandbox.common import Fault
from crm_sandbox.hubspot import HubSpotSandboxHandle


def test_rate_limit_headers_on_crud_but_not_search(
    http: httpx.Client, hs: HubSpotSandboxHandle
) -> None:
    hs.app.set_rate_limits(enabled=True, ten_second_max=100, daily_max=5000)
    first = http.get("/crm/v3/objects/companies", params={"limit": 1})
    second = http.get("/crm/v3/objects/companies", params={"limit": 1})
    assert first.headers["X-HubSpot-RateLimit-Max"] == "100"
    assert first.headers["X-HubSpot-RateLimit-Interval-Milliseconds"] == "10000"
    assert first.headers["X-HubSpot-RateLimit-Daily"] == "5000"
    assert (
        int(second.headers["X-HubSpot-RateLimit-Remaining"])
        == int(first.headers["X-HubSpot-RateLimit-Remaining"]) - 1
    )
    assert int(second.headers["X-HubSpot-RateLimit-Daily-Remaining"]) < 5000
    assert first.headers["X-HubSpot-Correlation-Id"]
    found = http.post("/crm/v3/objects/companies/search", json={"limit": 1})
    assert found.status_code == 200
    assert not any(h.lower().startswith("x-hubspot-ratelimit") for h in found.headers)


def test_ten_second_budget_answers_429(client: HubSpot, hs: HubSpotSandboxHandle) -> None:
    hs.app.set_rate_limits(enabled=True, ten_second_max=3)
    for _ in range(3):
        client.crm.deals.basic_api.get_page(limit=1)
    with pytest.raises(ApiException) as err:
        client.crm.deals.basic_api.get_page(limit=1)
    assert err.value.status == 429
    body = json.loads(err.value.body)
    assert body["policyName"] == "TEN_SECONDLY_ROLLING" and body["errorType"] == "RATE_LIMIT"
    assert err.value.headers["X-HubSpot-RateLimit-Remaining"] == "0"


def test_search_five_per_second_and_daily_budget(client: HubSpot, hs: HubSpotSandboxHandle) -> None:
    hs.app.set_rate_limits(enabled=True)
    statuses = []
    for _ in range(6):
        try:
            client.crm.deals.search_api.do_search(PublicObjectSearchRequest(limit=1))
            statuses.append(200)
        except ApiException as exc:
            statuses.append(exc.status)
            assert json.loads(exc.body)["policyName"] == "SECONDLY"
    assert statuses.count(200) == 5 and statuses[-1] == 429
    hs.app.reset_rate_usage(daily_used=1_000_000)
    with pytest.raises(CompaniesApiException) as err:
        client.crm.companies.basic_api.get_page(limit=1)
    assert json.loads(err.value.body)["policyName"] == "DAILY"
    limits = httpx.get(hs.base_url + "/__admin/hubspot/rate-limits").json()
    assert limits["usage"]["daily"] == 1_000_000 and limits["search_per_second"] == 5


def test_faults_reach_the_client(client: HubSpot, hs: HubSpotSandboxHandle) -> None:
    hs.app.add_fault(Fault(route="deals.list", status=503, body=b'{"status":"error"}'))
    with pytest.raises(ApiException) as err:
        client.crm.deals.basic_api.get_page(limit=1)
    assert err.value.status == 503
    assert client.crm.deals.basic_api.get_page(limit=1).results  # fault used up
    retry_after = {"route": "deals.search", "status": 429, "headers": {"Retry-After": "2"}}
    assert httpx.post(hs.base_url + "/__admin/faults", json=retry_after).status_code == 204
    with pytest.raises(ApiException) as err:
        client.crm.deals.search_api.do_search(PublicObjectSearchRequest(limit=1))
    assert err.value.status == 429 and err.value.headers["Retry-After"] == "2"
    company = hs.app.seed_id("C00000")
    hs.app.add_fault(Fault(route="companies.get", kind="truncate"))
    hs.app.add_fault(Fault(route="companies.get", kind="malformed"))
    headers = {"Authorization": f"Bearer {hs.access_token}"}
    for _ in range(2):
        cut = httpx.get(f"{hs.base_url}/crm/v3/objects/companies/{company}", headers=headers)
        assert cut.status_code == 200
        with pytest.raises(json.JSONDecodeError):
            cut.json()
    whole = httpx.get(f"{hs.base_url}/crm/v3/objects/companies/{company}", headers=headers)
    assert whole.json()["id"] == str(company)
    assert hs.app.calls()["companies.get"] >= 3


def test_revoked_token_is_expired(hs: HubSpotSandboxHandle) -> None:
    hs.app.add_token("pat-na1-temporary")
    temp = HubSpot(access_token="pat-na1-temporary", host=hs.base_url)
    assert temp.crm.contacts.basic_api.get_page(limit=1).results
    hs.app.revoke_token("pat-na1-temporary")
    with pytest.raises(ContactsApiException) as err:
        temp.crm.contacts.basic_api.get_page(limit=1)
    assert err.value.status == 401 and "EXPIRED_AUTHENTICATION" in err.value.body


def test_rate_limits_configured_over_http(http: httpx.Client, hs: HubSpotSandboxHandle) -> None:
    admin = hs.base_url + "/__admin/hubspot/rate-limits"
    put = httpx.put(admin, json={"enabled": True, "ten_second_max": 2, "daily_max": 50})
    assert put.status_code == 200 and put.json()["ten_second_max"] == 2
    statuses = [
        http.get("/crm/v3/objects/products", params={"limit": 1}).status_code for _ in range(3)
    ]
    assert statuses == [200, 200, 429]
    assert hs.app.limiter.usage()["ten_second"] == 2  # the refused call spent nothing
    reset = httpx.put(admin, json={"enabled": False, "daily_used": 49})
    assert reset.json()["usage"] == {"ten_second": 0, "daily": 49}
    assert (
        http.get("/crm/v3/objects/products").headers["X-HubSpot-RateLimit-Daily-Remaining"] == "0"
    )


def test_client_retry_honours_retry_after(hs: HubSpotSandboxHandle) -> None:
    """hubspot-api-client retries 429s only when given a urllib3 ``Retry`` (it has none by default)."""
    from urllib3.util.retry import Retry

    retry = Retry(
        total=3, status_forcelist=(429,), backoff_factor=0, respect_retry_after_header=True
    )
    retrying = HubSpot(access_token=hs.access_token, host=hs.base_url, retry=retry)
    hs.app.add_fault(
        Fault(route="companies.list", status=429, headers={"Retry-After": "0"}, times=2)
    )
    hs.app.reset_log()
    page = retrying.crm.companies.basic_api.get_page(limit=1)
    assert len(page.results) == 1
    assert [r.status for r in hs.app.requests("companies.list")] == [429, 429, 200]


def test_client_swallows_broken_json_and_retries_resets(
    client: HubSpot, hs: HubSpotSandboxHandle
) -> None:
    """Pinned client behaviour the connector must guard against: a truncated or malformed body
    does not raise, it deserialises to a page with ``results=None`` and ``paging=None`` (which
    would end a naive paging loop early); a reset mid-response is retried by urllib3 on GET."""
    for kind in ("truncate", "malformed"):
        hs.app.add_fault(Fault(route="deals.list", kind=kind))
        broken = client.crm.deals.basic_api.get_page(limit=2)
        assert broken.results is None and broken.paging is None
    hs.app.add_fault(Fault(route="deals.list", kind="reset"))
    hs.app.reset_log()
    page = client.crm.deals.basic_api.get_page(limit=2)
    assert len(page.results) == 2
    assert len(hs.app.requests("deals.list")) == 2  # the reset call, then the retry
