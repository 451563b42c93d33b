"""Failures on the wire: 429 storms (with and without Retry-After), the daily limit, 5xx, resets,
truncated and malformed JSON, 400s, and the API budget; every try is one counted call."""

from __future__ import annotations

import json
import logging

import pytest

from connector.errors import BudgetExhausted, FatalError, RetriableError
from connector.hubspot import HubSpotSource
from crm_sandbox.common.faults import Fault
from crm_sandbox.hubspot import HubSpotSandboxHandle
from tests.connector.hubspot.conftest import FakeClock, Opener, private_app


def _too_many(policy: str) -> bytes:
    return json.dumps(
        {
            "status": "error",
            "message": f"You have reached your {policy.lower()} limit.",
            "errorType": "RATE_LIMIT",
            "correlationId": "c0ffee",
            "policyName": policy,
            "groupName": "api-calls",
        }
    ).encode()


def _read(source: HubSpotSource, associations: list[str] | None = None) -> list[str]:
    pages = source.changed("deals", ["dealname"], associations or [], None)
    return [r.crm_id for p in pages for r in p.records]


def _all_ids(hs: HubSpotSandboxHandle) -> list[str]:
    return [str(r.id) for r in sorted(hs.app.records("deals"), key=lambda r: (r.updated, r.id))]


def test_429_storm_with_retry_after(
    hs: HubSpotSandboxHandle, source: HubSpotSource, retry_clock: FakeClock
) -> None:
    storm = Fault(
        "deals.search",
        status=429,
        body=_too_many("TEN_SECONDLY_ROLLING"),
        headers={"Retry-After": "3", "Content-Type": "application/json"},
        times=4,
    )
    hs.app.add_fault(storm)
    assert _read(source) == _all_ids(hs)
    assert hs.app.calls() == {"deals.search": 5}
    assert len(retry_clock.sleeps) == 4 and all(s >= 3 for s in retry_clock.sleeps)
    assert source.client.retries == 4 and source.budget.calls == 5


def test_429_storm_without_retry_after_backs_off(
    hs: HubSpotSandboxHandle, source: HubSpotSource, retry_clock: FakeClock
) -> None:
    hs.app.add_fault(
        Fault(
            "associations.v4.batch.read",
            status=429,
            body=_too_many("TEN_SECONDLY_ROLLING"),
            times=3,
        )
    )
    assert _read(source, ["companies"]) == _all_ids(hs)
    assert hs.app.calls() == {"deals.search": 1, "associations.v4.batch.read": 4}
    # exponential backoff with jitter: each wait between half and all of 0.5 s, 1 s, 2 s
    for n, wait in enumerate(retry_clock.sleeps):
        assert 0.25 * 2**n <= wait <= 0.5 * 2**n


def test_secondly_429_waits_a_second(
    hs: HubSpotSandboxHandle, source: HubSpotSource, retry_clock: FakeClock
) -> None:
    hs.app.add_fault(Fault("deals.search", status=429, body=_too_many("SECONDLY"), times=2))
    assert _read(source) == _all_ids(hs)
    assert len(retry_clock.sleeps) == 2 and all(s >= 1.0 for s in retry_clock.sleeps)


def test_a_storm_longer_than_the_policy_ends_in_a_retriable_error(
    hs: HubSpotSandboxHandle, source: HubSpotSource
) -> None:
    hs.app.add_fault(
        Fault("deals.search", status=429, body=_too_many("TEN_SECONDLY_ROLLING"), times=None)
    )
    with pytest.raises(RetriableError, match="search deals: rate limited"):
        _read(source)
    assert hs.app.calls() == {"deals.search": 6}  # the policy's 6 attempts, then it gives up


def test_the_daily_limit_stops_the_run_cleanly(
    hs: HubSpotSandboxHandle, source: HubSpotSource
) -> None:
    hs.app.set_rate_limits(enabled=True, daily_max=1000)
    hs.app.reset_rate_usage(daily_used=1000)
    with pytest.raises(BudgetExhausted, match="daily API limit"):
        _read(source)
    assert [r.status for r in hs.app.requests("deals.search")] == [429]  # not retried


def test_the_budget_guard_stops_before_the_share_is_spent(
    hs: HubSpotSandboxHandle, source: HubSpotSource
) -> None:
    hs.app.set_rate_limits(daily_max=1000)
    hs.app.reset_rate_usage(daily_used=799)
    ids = [str(r.id) for r in hs.app.records("deals")[:2]]
    # the batch read (800 used: the 80 % share) goes out; the association read may not
    with pytest.raises(BudgetExhausted, match="800 of 1000"):
        source.fetch("deals", ids, ["dealname"], ["companies"])
    assert hs.app.calls() == {"deals.batch.read": 1}
    assert source.budget.left == 0


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_5xx_is_retried(
    hs: HubSpotSandboxHandle, source: HubSpotSource, retry_clock: FakeClock, status: int
) -> None:
    hs.app.add_fault(Fault("deals.search", status=status, times=2))
    assert _read(source) == _all_ids(hs)
    assert hs.app.calls() == {"deals.search": 3} and len(retry_clock.sleeps) == 2


@pytest.mark.parametrize("kind", ["truncate", "malformed", "reset"])
def test_broken_answers_are_retried(
    hs: HubSpotSandboxHandle, source: HubSpotSource, kind: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    hs.app.add_fault(Fault("deals.search", kind=kind, times=1))  # type: ignore[arg-type]
    hs.app.add_fault(Fault("associations.v4.batch.read", kind=kind, times=1))  # type: ignore[arg-type]
    pages = list(source.changed("deals", ["dealname"], ["companies"], None))
    assert [r.crm_id for p in pages for r in p.records] == _all_ids(hs)
    assert all(r.associations["companies"] for p in pages for r in p.records)
    assert hs.app.calls() == {"deals.search": 2, "associations.v4.batch.read": 2}
    assert source.client.retries == 2
    expected = "the connection to HubSpot at" if kind == "reset" else "not usable JSON"
    assert caplog.text.count(expected) == 2
    assert hs.access_token not in caplog.text


def test_400_is_fatal_and_names_the_object_and_hubspots_message(
    hs: HubSpotSandboxHandle, source: HubSpotSource
) -> None:
    with pytest.raises(FatalError) as refused:
        list(source.changed("dealz", ["dealname"], [], None))
    text = str(refused.value)
    assert text.startswith("emea-hs: search dealz:")
    assert "400 VALIDATION_ERROR: Unable to infer object type from: dealz" in text
    assert "mapping file" in text
    body = {
        "status": "error",
        "message": "Property values were not valid",
        "category": "VALIDATION_ERROR",
    }
    hs.app.add_fault(Fault("deals.batch.read", status=400, body=json.dumps(body).encode()))
    with pytest.raises(FatalError, match=r"batch read deals: .*Property values were not valid"):
        source.fetch("deals", ["1"], ["dealname"], [])
    assert hs.app.calls().get("deals.batch.read") == 1  # not retried


def test_every_try_is_one_budgeted_call(hs: HubSpotSandboxHandle, open_source: Opener) -> None:
    source = open_source(private_app(hs))
    hs.app.add_fault(Fault("deals.search", status=503, times=1))
    hs.app.add_fault(Fault("associations.v4.batch.read", kind="truncate", times=1))
    list(source.changed("deals", [], ["companies", "line_items"], None))
    list(source.deleted_ids("deals"))
    source.fetch("deals", _all_ids(hs)[:5], [], ["companies"])
    assert source.budget.calls == sum(hs.app.calls().values()) == 8
    assert source.budget.used is not None  # read from the daily headers of non-search answers


def test_an_answer_without_results_is_retried(
    hs: HubSpotSandboxHandle, source: HubSpotSource
) -> None:
    hs.app.add_fault(Fault("deals.search", status=200, body=b'{"total": 40}', times=1))
    assert _read(source) == _all_ids(hs)
    assert hs.app.calls() == {"deals.search": 2}


def test_a_record_without_a_stamp_is_one_clear_error(
    hs: HubSpotSandboxHandle, source: HubSpotSource
) -> None:
    odd = {"results": [{"id": "7", "properties": {"dealname": "x"}}]}
    hs.app.add_fault(Fault("deals.search", status=200, body=json.dumps(odd).encode(), times=1))
    with pytest.raises(FatalError, match="deals: HubSpot sent a record that cannot be read"):
        _read(source)
