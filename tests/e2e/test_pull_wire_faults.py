"""Broken answers during a pull, end to end: 429 storms with and without Retry-After, truncated,
malformed and reset answers, and a storm that outlasts the retry policy.

Retry waits run on a fake clock (``FakeClock.sleeps`` are the waits the policy chose), so storms
cost no real time; every try is one call the sandbox counts per route.
"""

from __future__ import annotations

import pytest
from sqlalchemy.engine import Engine

from connector.connections import Connection
from crm_sandbox.common.faults import Fault
from crm_sandbox.salesforce.errors import error_body
from order_core.deals.models import Deal
from tests.e2e.conftest import Sandboxes
from tests.e2e.oracle import assert_core_matches
from tests.e2e.probes import (
    FakeClock,
    count,
    cursor,
    expected_hs,
    expected_sf,
    fake_retry,
    fast_hubspot,
    hubspot_429,
    puller,
    retries,
)


@pytest.mark.parametrize("retry_after", ["7", None])
def test_salesforce_429_storm(
    sandboxes: Sandboxes,
    connections: dict[str, Connection],
    core: Engine,
    request: pytest.FixtureRequest,
    retry_after: str | None,
) -> None:
    clock = FakeClock()
    headers = {"Retry-After": retry_after} if retry_after else {}
    storm = error_body("REQUEST_LIMIT", "Too many requests")
    sandboxes.sf.app.add_fault(Fault("queryAll", "status", 429, storm, headers, times=4, skip=1))
    p = puller(request, connections["acme-sf"], core, retry=fake_retry(clock))

    report = p.run()

    assert report.status == "ok", report.message
    statuses = [r.status for r in sandboxes.sf.app.requests("queryAll")]
    assert statuses == [200, 429, 429, 429, 429, 200, 200, 200]
    assert retries(p) == 4 and len(clock.sleeps) == 4
    if retry_after:
        assert all(wait >= 7 for wait in clock.sleeps)  # never less than Salesforce asked
    else:  # exponential backoff with jitter: between half and all of 0.5, 1, 2, 4 s
        for n, wait in enumerate(clock.sleeps):
            assert 0.25 * 2**n <= wait <= 0.5 * 2**n
    assert report.api_calls == 1 + 8
    assert_core_matches(core, "acme-sf", expected_sf(sandboxes.sf, p.mapping))


@pytest.mark.parametrize("retry_after", ["3", None])
def test_hubspot_429_storm(
    sandboxes: Sandboxes,
    connections: dict[str, Connection],
    core: Engine,
    request: pytest.FixtureRequest,
    retry_after: str | None,
) -> None:
    hs, clock = sandboxes.hs, FakeClock()
    headers = {"Content-Type": "application/json"}
    if retry_after:
        headers["Retry-After"] = retry_after
    body = hubspot_429("TEN_SECONDLY_ROLLING")
    hs.app.add_fault(Fault("deals.search", status=429, body=body, headers=headers, times=3))
    hs.app.add_fault(Fault("associations.v4.batch.read", status=429, body=body, times=1))
    p = fast_hubspot(request, connections["emea-hs"], core, hs, retry=fake_retry(clock))

    report = p.run()

    assert report.status == "ok", report.message
    assert [r.status for r in hs.app.requests("deals.search")] == [429, 429, 429, 200]
    assert len(clock.sleeps) == 4 and retries(p) == 4
    searched = clock.sleeps[1:]  # the first wait is the contacts' association read's
    if retry_after:
        assert all(wait >= 3 for wait in searched)
    else:
        for n, wait in enumerate(searched):
            assert 0.25 * 2**n <= wait <= 0.5 * 2**n
    assert_core_matches(core, "emea-hs", expected_hs(hs, p.mapping))


def test_salesforce_truncated_and_malformed_json_are_read_again(
    sandboxes: Sandboxes,
    connections: dict[str, Connection],
    core: Engine,
    request: pytest.FixtureRequest,
) -> None:
    clock = FakeClock()
    app = sandboxes.sf.app
    app.add_fault(Fault("queryAll", "truncate", times=1, skip=1))
    app.add_fault(Fault("queryAll", "malformed", times=1))
    app.add_fault(Fault("oauth.token", "truncate", times=1))
    p = puller(request, connections["acme-sf"], core, retry=fake_retry(clock))

    report = p.run()

    assert report.status == "ok", report.message
    assert app.calls() == {"oauth.token": 2, "queryAll": 4 + 2}
    assert len(clock.sleeps) == 3 and retries(p) == 2  # (the login's retry apart)
    assert report.total("quarantined") == 0
    assert_core_matches(core, "acme-sf", expected_sf(sandboxes.sf, p.mapping))


def test_hubspot_truncated_and_malformed_json_are_read_again(
    sandboxes: Sandboxes,
    connections: dict[str, Connection],
    core: Engine,
    request: pytest.FixtureRequest,
) -> None:
    clock, hs = FakeClock(), sandboxes.hs
    hs.app.add_fault(Fault("companies.search", kind="truncate", times=1))
    hs.app.add_fault(Fault("associations.v4.batch.read", kind="malformed", times=1))
    hs.app.add_fault(Fault("deals.list", kind="truncate", times=1))
    hs.app.add_fault(Fault("line_items.search", kind="reset", times=1))
    p = fast_hubspot(request, connections["emea-hs"], core, hs, retry=fake_retry(clock))

    report = p.run()

    assert report.status == "ok", report.message
    calls = hs.app.calls()
    assert calls["companies.search"] == calls["deals.list"] == calls["line_items.search"] == 2
    assert calls["associations.v4.batch.read"] == 3 + 1
    assert len(clock.sleeps) == 4 and retries(p) == 4
    assert_core_matches(core, "emea-hs", expected_hs(hs, p.mapping))


def test_a_storm_longer_than_the_policy_fails_the_run_with_what_was_applied_kept(
    sandboxes: Sandboxes,
    connections: dict[str, Connection],
    core: Engine,
    request: pytest.FixtureRequest,
) -> None:
    clock = FakeClock()
    storm = error_body("SERVER_UNAVAILABLE", "Service unavailable")
    sandboxes.sf.app.add_fault(Fault("queryAll", "status", 503, storm, times=None, skip=2))
    p = puller(request, connections["acme-sf"], core, retry=fake_retry(clock, attempts=3))

    failed = p.run()

    assert failed.status == "failed"
    assert failed.message.startswith("acme-sf: queryAll on Opportunity: HTTP 503")
    assert "Traceback" not in failed.message
    assert [r.status for r in sandboxes.sf.app.requests("queryAll")] == [200, 200, 503, 503, 503]
    assert cursor(core, "acme-sf", "Account") is not None
    assert cursor(core, "acme-sf", "Opportunity") is None and count(core, Deal) == 0
    sandboxes.sf.app.faults.clear()
    again = p.run()
    assert again.status == "ok" and again.objects["Opportunity"].created == 40
    assert again.objects["Account"].created == 0
    assert_core_matches(core, "acme-sf", expected_sf(sandboxes.sf, p.mapping))
