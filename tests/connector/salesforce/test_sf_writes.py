"""Salesforce writes end to end through simple-salesforce and the sandbox: results per record in
input order, relationship references by external id, and the fault matrix (429 storms, 5xx, resets
mid-response, session expiry, one bad record with and without a whole-call 400, the daily limit),
never a duplicate (counted by external id / natural key in the sandbox)."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest

from connector.errors import AuthError, BudgetExhausted, Refused
from connector.retry import RetryPolicy
from connector.salesforce import SalesforceWriter, open_salesforce_writer
from crm_sandbox.common.faults import Fault
from crm_sandbox.salesforce.errors import error_body
from crm_sandbox.salesforce.testing import SalesforceSandboxHandle
from tests.connector.salesforce.conftest import FakeClock, api_calls, connection_for

PARTNER = "CS-PARTNER-1"


@pytest.fixture()
def writer(sandbox: SalesforceSandboxHandle, clock: FakeClock) -> Iterator[SalesforceWriter]:
    """A writer on the sandbox whose retries sleep on the fake clock; one partner account exists."""
    policy = RetryPolicy(sleep=clock.sleep, clock=clock, base_wait=0.5)
    made = open_salesforce_writer(connection_for(sandbox), retry=policy)
    made.upsert("Account", "Channelsync_Id__c", [{"Channelsync_Id__c": PARTNER, "Name": "P 1"}])
    sandbox.app.reset_log()
    clock.sleeps.clear()
    yield made
    made.close()


def orders(n: int, status: str = "Submitted", start: int = 0) -> list[dict[str, Any]]:
    """Orders on the partner account, referenced by its external id."""
    return [
        {
            "Channelsync_Id__c": f"CS-ORD-{i:05d}",
            "Account": {"Channelsync_Id__c": PARTNER},
            "EffectiveDate": "2026-03-01",
            "Status": status,
            "Name": f"Order {i}",
            "Description": f"total {Decimal('1234.50') + i}",
        }
        for i in range(start, start + n)
    ]


def counts(sandbox: SalesforceSandboxHandle) -> dict[str, int]:
    return sandbox.app.admin_api.external_id_counts("Order")


def order(sandbox: SalesforceSandboxHandle, key: str) -> dict[str, Any]:
    [rec] = sandbox.app.store.find_by("Order", "Channelsync_Id__c", key)
    return rec


def test_upsert_creates_then_updates_in_calls_of_200_with_results_in_input_order(
    sandbox: SalesforceSandboxHandle, writer: SalesforceWriter
) -> None:
    batch = orders(450)
    first = writer.upsert("Order", "Channelsync_Id__c", batch)
    assert [r.key for r in first] == [o["Channelsync_Id__c"] for o in batch]
    assert {r.status for r in first} == {"created"} and first.stopped is None
    assert api_calls(sandbox)["composite.upsert"] == 3 == first.calls
    partner = sandbox.app.store.find_by("Account", "Channelsync_Id__c", PARTNER)[0]["Id"]
    assert order(sandbox, "CS-ORD-00007")["AccountId"] == partner  # the reference resolved
    assert first[7].crm_id == order(sandbox, "CS-ORD-00007")["Id"]
    second = writer.upsert("Order", "Channelsync_Id__c", orders(450, status="Paid"))
    assert {r.status for r in second} == {"updated"}
    assert [r.crm_id for r in second] == [r.crm_id for r in first]
    assert order(sandbox, "CS-ORD-00449")["Status"] == "Paid"
    assert set(counts(sandbox).values()) == {1} and len(counts(sandbox)) == 450


def test_ten_thousand_records_take_fifty_calls(
    sandbox: SalesforceSandboxHandle, writer: SalesforceWriter
) -> None:
    sandbox.app.log_bodies = False
    records = [{"Channelsync_Id__c": f"CS-ACC-{i}", "Name": f"A {i}"} for i in range(10_000)]
    before = writer.client.budget.calls
    results = writer.upsert("Account", "Channelsync_Id__c", records)
    assert sum(r.status == "created" for r in results) == 10_000
    assert api_calls(sandbox)["composite.upsert"] == 50 == results.calls  # ceil(10,000 / 200)
    assert writer.client.budget.calls - before == 50


def test_one_bad_record_fails_alone_and_the_rest_is_written(
    sandbox: SalesforceSandboxHandle, writer: SalesforceWriter
) -> None:
    batch = orders(5)
    batch[2]["Status"] = "Shipped"  # not an order status of this org
    batch[3]["Account"] = {"Channelsync_Id__c": "no-such-partner"}
    results = writer.upsert("Order", "Channelsync_Id__c", batch)
    assert [r.status for r in results] == ["created", "created", "failed", "failed", "created"]
    assert results[2].errors[0].code == "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST"
    assert results[2].errors[0].fields == ("Status",) and not results[2].retriable
    assert results[3].errors[0].code == "INVALID_FIELD"
    assert "Foreign key external ID: no-such-partner not found" in results[3].errors[0].message
    assert api_calls(sandbox)["composite.upsert"] == 1
    assert sorted(counts(sandbox)) == ["CS-ORD-00000", "CS-ORD-00001", "CS-ORD-00004"]


def test_a_record_that_refuses_the_whole_call_is_isolated_by_halving(
    sandbox: SalesforceSandboxHandle, writer: SalesforceWriter
) -> None:
    batch = orders(200)
    batch[137]["EffectiveDate"] = "the first of March"  # fails parsing: a 400 for the call
    results = writer.upsert("Order", "Channelsync_Id__c", batch)
    failed = results.failed
    assert [r.key for r in failed] == ["CS-ORD-00137"]
    assert failed[0].errors[0].code == "JSON_PARSER_ERROR"
    assert failed[0].errors[0].fields == ("EffectiveDate",)
    assert len(counts(sandbox)) == 199
    # Two calls (both halves) for each level the bad record sinks through: 100, 50, 25, 13, 6,
    # 3 and 1 records; the good half of each level is written at once.
    assert results.calls == api_calls(sandbox)["composite.upsert"] == 1 + 2 * 7


def test_429_storm_with_retry_after_is_waited_out(
    sandbox: SalesforceSandboxHandle, writer: SalesforceWriter, clock: FakeClock
) -> None:
    body = error_body("REQUEST_LIMIT", "Too many requests")
    storm = Fault("composite.upsert", "status", 429, body, {"Retry-After": "7"}, times=4)
    sandbox.app.add_fault(storm)
    results = writer.upsert("Order", "Channelsync_Id__c", orders(300))
    assert all(r.status == "created" for r in results)
    assert len(clock.sleeps) == 4 and all(s >= 7 for s in clock.sleeps)
    assert api_calls(sandbox)["composite.upsert"] == 2 + 4 and writer.client.retries == 4


def test_429_storm_without_retry_after_backs_off_and_a_lasting_one_stops_the_write(
    sandbox: SalesforceSandboxHandle, writer: SalesforceWriter, clock: FakeClock
) -> None:
    body = error_body("REQUEST_LIMIT", "Too many requests")
    sandbox.app.add_fault(Fault("composite.upsert", "status", 429, body, times=3))
    assert all(r.ok for r in writer.upsert("Order", "Channelsync_Id__c", orders(10)))
    assert len(clock.sleeps) == 3 and clock.sleeps[2] > clock.sleeps[0]
    # A storm longer than the policy: the first call's records and every later one are not
    # written, and say why; nothing else is sent.
    sandbox.app.add_fault(Fault("composite.upsert", "status", 429, body, times=None, skip=1))
    sandbox.app.reset_log()
    results = writer.upsert("Order", "Channelsync_Id__c", orders(600, start=10))
    assert [r.ok for r in results] == [True] * 200 + [False] * 400
    assert {(r.errors[0].code, r.retriable) for r in results.failed} == {("CRM_UNAVAILABLE", True)}
    assert results.stopped is not None and "HTTP 429" in str(results.stopped)
    assert api_calls(sandbox)["composite.upsert"] == 1 + RetryPolicy().attempts


def test_server_errors_are_retried(
    sandbox: SalesforceSandboxHandle, writer: SalesforceWriter, clock: FakeClock
) -> None:
    sandbox.app.add_fault(Fault("composite.upsert", "status", 503, b"<html>down</html>", times=2))
    sandbox.app.add_fault(Fault("composite.upsert", "status", 500, b"", times=1))
    results = writer.upsert("Order", "Channelsync_Id__c", orders(20))
    assert all(r.status == "created" for r in results) and len(clock.sleeps) == 3
    assert set(counts(sandbox).values()) == {1}


@pytest.mark.parametrize("kind", ["reset", "truncate", "malformed"])
def test_a_lost_answer_is_retried_and_duplicates_nothing(
    sandbox: SalesforceSandboxHandle, writer: SalesforceWriter, kind: str
) -> None:
    # The sandbox saves the records, then cuts or garbles the answer (a reset: mid-response):
    # the retry finds them by external id.
    sandbox.app.add_fault(Fault("composite.upsert", kind, times=1))  # type: ignore[arg-type]
    results = writer.upsert("Order", "Channelsync_Id__c", orders(250))
    assert all(r.ok for r in results)
    assert [r.status for r in results[:200]] == ["updated"] * 200  # saved by the cut-off try
    assert [r.status for r in results[200:]] == ["created"] * 50
    assert api_calls(sandbox)["composite.upsert"] == 3
    assert len(counts(sandbox)) == 250 and set(counts(sandbox).values()) == {1}


def test_session_expiry_logs_in_once_more(
    sandbox: SalesforceSandboxHandle, writer: SalesforceWriter
) -> None:
    sandbox.app.admin_api.expire_sessions()
    results = writer.upsert("Order", "Channelsync_Id__c", orders(3))
    assert all(r.ok for r in results) and writer.client.logins == 2
    assert api_calls(sandbox)["oauth.token"] == 1 and api_calls(sandbox)["composite.upsert"] == 2


def test_a_session_refused_after_a_fresh_login_stops_the_write(
    sandbox: SalesforceSandboxHandle, writer: SalesforceWriter
) -> None:
    sandbox.app.admin_api.fail_session("composite.upsert", times=None)
    results = writer.upsert("Order", "Channelsync_Id__c", orders(3))
    assert isinstance(results.stopped, AuthError)
    assert {(r.errors[0].code, r.retriable) for r in results} == {("AUTH_FAILED", True)}
    assert counts(sandbox) == {}


def test_request_limit_exceeded_stops_cleanly_after_what_was_written(
    sandbox: SalesforceSandboxHandle, writer: SalesforceWriter
) -> None:
    body = error_body("REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded.")
    sandbox.app.add_fault(Fault("composite.upsert", "status", 403, body, times=1, skip=1))
    results = writer.upsert("Order", "Channelsync_Id__c", orders(500))
    assert isinstance(results.stopped, BudgetExhausted)
    assert sum(r.ok for r in results) == 200 and len(counts(sandbox)) == 200
    assert {(r.errors[0].code, r.retriable) for r in results.failed} == {("BUDGET_EXHAUSTED", True)}
    assert api_calls(sandbox)["composite.upsert"] == 2  # never retried, nothing after it
    # The next run writes the rest, and the first 200 again without a duplicate.
    again = writer.upsert("Order", "Channelsync_Id__c", orders(500))
    assert all(r.ok for r in again) and set(counts(sandbox).values()) == {1}


def test_the_budget_guard_stops_before_the_share_is_spent(
    sandbox: SalesforceSandboxHandle, clock: FakeClock
) -> None:
    sandbox.app.admin_api.set_api_usage(77, maximum=100)
    policy = RetryPolicy(sleep=clock.sleep, clock=clock)
    writer = open_salesforce_writer(connection_for(sandbox, budget_share=0.8), retry=policy)
    records = [{"Channelsync_Id__c": f"CS-B-{i}", "Name": "b"} for i in range(1000)]
    results = writer.upsert("Account", "Channelsync_Id__c", records)
    # The login's answer said 77 of 100 were used: the calls up to 80 go out (each answer says
    # how many are used), then the guard stops without sending more.
    assert sum(r.ok for r in results) == 600 and isinstance(results.stopped, BudgetExhausted)
    assert api_calls(sandbox)["composite.upsert"] == 3
    assert {r.errors[0].code for r in results.failed} == {"BUDGET_EXHAUSTED"}
    writer.close()


def test_a_key_given_twice_is_written_in_order_in_separate_calls(
    sandbox: SalesforceSandboxHandle, writer: SalesforceWriter
) -> None:
    batch = [*orders(3), *orders(1, status="Accepted")]
    results = writer.upsert("Order", "Channelsync_Id__c", batch)
    assert [r.status for r in results] == ["created", "created", "created", "updated"]
    assert order(sandbox, "CS-ORD-00000")["Status"] == "Accepted"
    assert api_calls(sandbox)["composite.upsert"] == 2


def test_a_busy_row_is_a_retriable_record_error(
    sandbox: SalesforceSandboxHandle, writer: SalesforceWriter
) -> None:
    sandbox.app.admin_api.fail_collection_record(1, "UNABLE_TO_LOCK_ROW", "unable to obtain lock")
    results = writer.upsert("Order", "Channelsync_Id__c", orders(3))
    assert [r.ok for r in results] == [True, False, True] and results[1].retriable


def test_update_and_delete_by_id_are_safe_to_repeat(
    sandbox: SalesforceSandboxHandle, writer: SalesforceWriter
) -> None:
    ids = [str(r.crm_id) for r in writer.upsert("Order", "Channelsync_Id__c", orders(3))]
    updated = writer.update("Order", [{"Id": i, "Status": "Fulfilled"} for i in ids])
    assert [(r.key, r.status) for r in updated] == [(i, "updated") for i in ids]
    assert {order(sandbox, f"CS-ORD-0000{n}")["Status"] for n in range(3)} == {"Fulfilled"}
    sandbox.app.add_fault(Fault("composite.delete", "reset", times=1))
    deleted = writer.delete(ids)
    assert [(r.key, r.status) for r in deleted] == [(i, "deleted") for i in ids]
    assert counts(sandbox) == {}
    assert api_calls(sandbox)["composite.delete"] == 2  # the retry found them deleted already
    gone = writer.update("Order", [{"Id": ids[0], "Status": "Paid"}])
    assert not gone[0].ok


def test_create_without_external_id_never_creates_a_key_twice(
    sandbox: SalesforceSandboxHandle, writer: SalesforceWriter
) -> None:
    accounts = [r["Id"] for r in list(sandbox.app.store.records["Account"].values())[:4]]
    rows = [
        {"AccountFromId": accounts[0], "AccountToId": accounts[k], "Role": "VAR/Reseller"}
        for k in (1, 2, 3)
    ]
    key = ["AccountFromId", "AccountToId", "Role"]
    # The create is saved, then its answer is cut off: the retry asks first and finds them.
    sandbox.app.add_fault(Fault("composite.create", "reset", times=1))
    results = writer.create("Partner", [*rows, rows[0]], key)
    assert [r.status for r in results] == ["existing", "existing", "existing", "existing"]
    assert len({r.crm_id for r in results}) == 3
    assert api_calls(sandbox)["composite.create"] == 1  # never sent twice
    again = writer.create("Partner", rows, key)
    assert [r.status for r in again] == ["existing"] * 3
    for row in rows:
        assert sandbox.app.admin_api.count_records("Partner", row) == 1
    fresh = writer.create(
        "Partner",
        [{"AccountFromId": accounts[1], "AccountToId": accounts[2], "Role": "Distributor"}],
        key,
    )
    assert fresh[0].status == "created"


def test_an_unknown_object_stops_the_write_without_halving(
    sandbox: SalesforceSandboxHandle, writer: SalesforceWriter
) -> None:
    results = writer.upsert("Shipment__c", "Channelsync_Id__c", orders(300))
    assert isinstance(results.stopped, Refused) and results.stopped.status == 404
    assert {r.errors[0].code for r in results} == {"NOT_FOUND"} and results.calls == 1


def test_bad_input_is_refused_before_any_call(writer: SalesforceWriter) -> None:
    with pytest.raises(ValueError, match="record 1 has no Channelsync_Id__c"):
        writer.upsert("Order", "Channelsync_Id__c", [orders(1)[0], {"Name": "x"}])
    with pytest.raises(ValueError, match="not a Salesforce API name"):
        writer.upsert("Order; DROP", "Channelsync_Id__c", orders(1))
    with pytest.raises(ValueError, match="not a Salesforce record id"):
        writer.delete(["not-an-id"])
