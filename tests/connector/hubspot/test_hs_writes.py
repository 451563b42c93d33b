"""HubSpot writes end to end through hubspot-api-client and the sandbox: batch upsert / update /
archive with results matched to their inputs, labelled associations, and the fault matrix (429
storms, 5xx, resets mid-response, token expiry, one bad input in a 207 and in a whole-call 400,
the daily limit), never a duplicate (counted by ``channelsync_id`` in the sandbox)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

import pytest

from connector.connections import Connection
from connector.errors import BudgetExhausted
from connector.hubspot import (
    AssociationType,
    Clock,
    HubSpotAssociations,
    HubSpotWriter,
    open_hubspot_writer,
)
from connector.retry import RetryPolicy
from crm_sandbox.common.faults import Fault
from crm_sandbox.hubspot import HubSpotSandboxHandle
from tests.connector.hubspot.conftest import FakeClock, oauth_app, private_app

Opener = Callable[..., HubSpotWriter]


@pytest.fixture
def open_writer(retry_clock: FakeClock, pace_clock: FakeClock) -> Iterator[Opener]:
    """Open writers whose retries and pacing run on the fake clocks; closed after the test."""
    opened: list[HubSpotWriter] = []

    def make(connection: Connection, *, check_values: bool = True) -> HubSpotWriter:
        retry = RetryPolicy(sleep=retry_clock.sleep, clock=retry_clock.now)
        writer = open_hubspot_writer(
            connection, retry=retry, clock=Clock(pace_clock.now, pace_clock.sleep)
        )
        writer.checks = writer.checks if check_values else None
        opened.append(writer)
        return writer

    yield make
    for writer in opened:
        writer.close()


@pytest.fixture
def writer(hs: HubSpotSandboxHandle, open_writer: Opener) -> HubSpotWriter:
    """A private-app writer on the sandbox."""
    return open_writer(private_app(hs))


def orders(n: int, status: str = "submitted", start: int = 0) -> list[dict[str, Any]]:
    return [
        {
            "channelsync_id": f"cs-ord-{i:05d}",
            "hs_order_name": f"Order {i}",
            "hs_total_price": Decimal("1234.50") + i,
            "channelsync_status": status,
        }
        for i in range(start, start + n)
    ]


def counts(hs: HubSpotSandboxHandle) -> dict[str, int]:
    return hs.app.external_id_counts("orders")


def stored(hs: HubSpotSandboxHandle, key: str) -> dict[str, str]:
    [rec] = [r for r in hs.app.records("orders") if r.props.get("channelsync_id") == key]
    return rec.props


def _too_many(policy: str) -> bytes:
    return json.dumps(
        {"status": "error", "message": "limit", "errorType": "RATE_LIMIT", "policyName": policy}
    ).encode()


def test_upsert_creates_then_updates_in_calls_of_100_matched_to_the_inputs(
    hs: HubSpotSandboxHandle, writer: HubSpotWriter
) -> None:
    batch = orders(250)
    first = writer.batch_upsert("orders", "channelsync_id", batch)
    assert [r.key for r in first] == [o["channelsync_id"] for o in batch]
    assert {r.status for r in first} == {"created"} and first.stopped is None
    assert hs.app.calls()["orders.batch.upsert"] == 3 == first.calls
    assert stored(hs, "cs-ord-00007")["hs_total_price"] == "1241.50"  # exact, not a float
    second = writer.batch_upsert("orders", "channelsync_id", orders(250, status="paid"))
    assert {r.status for r in second} == {"updated"}
    assert [r.crm_id for r in second] == [r.crm_id for r in first]
    assert stored(hs, "cs-ord-00249")["channelsync_status"] == "paid"
    assert len(counts(hs)) == 250 and set(counts(hs).values()) == {1}


def test_ten_thousand_records_take_a_hundred_calls(
    hs: HubSpotSandboxHandle, writer: HubSpotWriter
) -> None:
    hs.app.log_bodies = False
    records = [{"channelsync_id": f"cs-co-{i}", "name": f"Co {i}"} for i in range(10_000)]
    results = writer.batch_upsert("companies", "channelsync_id", records)
    assert sum(r.status == "created" for r in results) == 10_000
    assert hs.app.calls()["companies.batch.upsert"] == 100 == results.calls
    assert writer.client.budget.calls == 100 + 1  # and one read of the property definitions


def test_one_failed_input_in_a_207_fails_alone(
    hs: HubSpotSandboxHandle, writer: HubSpotWriter
) -> None:
    hs.app.fail_batch_inputs("orders.batch.upsert", {1}, message="Rejected by a rule")
    results = writer.batch_upsert("orders", "channelsync_id", orders(4))
    assert [r.ok for r in results] == [True, False, True, True]  # matched by key, not position
    assert results[1].errors[0].code == "VALIDATION_ERROR" and not results[1].retriable
    assert results[1].errors[0].message == "Rejected by a rule"
    assert sorted(counts(hs)) == ["cs-ord-00000", "cs-ord-00002", "cs-ord-00003"]
    assert hs.app.calls()["orders.batch.upsert"] == 1


def test_a_value_hubspot_would_refuse_fails_before_any_call(
    hs: HubSpotSandboxHandle, writer: HubSpotWriter
) -> None:
    batch = orders(100)
    batch[42]["hs_total_price"] = "twelve"
    batch[43]["channelsync_status"] = "shipped"
    batch[44]["hs_lastmodifieddate"] = "2026-01-01"
    batch[45]["no_such_property"] = "x"
    results = writer.batch_upsert("orders", "channelsync_id", batch)
    codes = [(r.key, r.errors[0].code) for r in results.failed]
    assert codes == [
        ("cs-ord-00042", "INVALID_DECIMAL"),
        ("cs-ord-00043", "INVALID_OPTION"),
        ("cs-ord-00044", "READ_ONLY_VALUE"),
        ("cs-ord-00045", "PROPERTY_DOESNT_EXIST"),
    ]
    assert results.failed[1].errors[0].fields == ("channelsync_status",)
    assert len(counts(hs)) == 96
    assert results.calls == hs.app.calls()["orders.batch.upsert"] == 1
    assert hs.app.calls()["properties.list"] == 1
    writer.batch_upsert("orders", "channelsync_id", batch)  # the definitions are read once
    assert hs.app.calls()["properties.list"] == 1


def test_an_input_that_refuses_the_whole_call_is_isolated_by_halving(
    hs: HubSpotSandboxHandle, open_writer: Opener
) -> None:
    writer = open_writer(private_app(hs), check_values=False)
    batch = orders(100)
    batch[42]["hs_total_price"] = "twelve"  # HubSpot refuses the whole batch with a 400
    results = writer.batch_upsert("orders", "channelsync_id", batch)
    assert [r.key for r in results.failed] == ["cs-ord-00042"]
    error = results.failed[0].errors[0]
    assert error.code == "VALIDATION_ERROR" and error.fields == ("hs_total_price",)
    assert len(counts(hs)) == 99
    # Two calls per level the bad input sinks through: 50, 25, 13, 6, 3, 2 and 1 inputs.
    assert results.calls == hs.app.calls()["orders.batch.upsert"] == 1 + 2 * 7


def test_429_storm_with_retry_after(
    hs: HubSpotSandboxHandle, writer: HubSpotWriter, retry_clock: FakeClock
) -> None:
    body = _too_many("TEN_SECONDLY_ROLLING")
    hs.app.add_fault(
        Fault("orders.batch.upsert", status=429, body=body, headers={"Retry-After": "3"}, times=4)
    )
    results = writer.batch_upsert("orders", "channelsync_id", orders(150))
    assert all(r.status == "created" for r in results)
    assert len(retry_clock.sleeps) == 4 and all(s >= 3 for s in retry_clock.sleeps)
    assert hs.app.calls()["orders.batch.upsert"] == 2 + 4 and writer.client.retries == 4


def test_429_storm_without_retry_after_backs_off_and_a_lasting_one_stops(
    hs: HubSpotSandboxHandle, writer: HubSpotWriter, retry_clock: FakeClock
) -> None:
    body = _too_many("TEN_SECONDLY_ROLLING")
    hs.app.add_fault(Fault("orders.batch.upsert", status=429, body=body, times=3))
    assert all(r.ok for r in writer.batch_upsert("orders", "channelsync_id", orders(10)))
    assert len(retry_clock.sleeps) == 3 and retry_clock.sleeps[2] > retry_clock.sleeps[0]
    hs.app.add_fault(Fault("orders.batch.upsert", status=429, body=body, times=None, skip=1))
    results = writer.batch_upsert("orders", "channelsync_id", orders(300, start=10))
    assert [r.ok for r in results] == [True] * 100 + [False] * 200
    assert {(r.errors[0].code, r.retriable) for r in results.failed} == {("CRM_UNAVAILABLE", True)}


def test_the_daily_limit_stops_cleanly(hs: HubSpotSandboxHandle, writer: HubSpotWriter) -> None:
    hs.app.add_fault(
        Fault("orders.batch.upsert", status=429, body=_too_many("DAILY"), times=1, skip=1)
    )
    results = writer.batch_upsert("orders", "channelsync_id", orders(250))
    assert isinstance(results.stopped, BudgetExhausted)
    assert sum(r.ok for r in results) == 100 and len(counts(hs)) == 100
    assert {(r.errors[0].code, r.retriable) for r in results.failed} == {("BUDGET_EXHAUSTED", True)}
    assert hs.app.calls()["orders.batch.upsert"] == 2


@pytest.mark.parametrize("kind", ["reset", "truncate", "malformed"])
def test_a_lost_answer_is_retried_and_duplicates_nothing(
    hs: HubSpotSandboxHandle, writer: HubSpotWriter, kind: str
) -> None:
    hs.app.add_fault(Fault("orders.batch.upsert", kind, times=1))  # type: ignore[arg-type]
    results = writer.batch_upsert("orders", "channelsync_id", orders(150))
    assert [r.status for r in results] == ["updated"] * 100 + ["created"] * 50
    assert hs.app.calls()["orders.batch.upsert"] == 3
    assert len(counts(hs)) == 150 and set(counts(hs).values()) == {1}


def test_server_errors_are_retried(
    hs: HubSpotSandboxHandle, writer: HubSpotWriter, retry_clock: FakeClock
) -> None:
    hs.app.add_fault(Fault("orders.batch.upsert", status=502, body=b"bad gateway", times=2))
    results = writer.batch_upsert("orders", "channelsync_id", orders(5))
    assert all(r.ok for r in results) and len(retry_clock.sleeps) == 2


def test_an_expired_token_is_refreshed_once(hs: HubSpotSandboxHandle, open_writer: Opener) -> None:
    secret = "s3cret-value"
    refresh = hs.app.issue_refresh_token("channelsync-app", secret)
    writer = open_writer(oauth_app(hs, secret, refresh))
    writer.batch_upsert("orders", "channelsync_id", orders(1))
    calls = hs.app.calls()["oauth.token"]
    for token in list(hs.app.tokens):
        if token != hs.access_token:
            hs.app.revoke_token(token)
    results = writer.batch_upsert("orders", "channelsync_id", orders(3))
    assert all(r.ok for r in results)
    assert hs.app.calls()["oauth.token"] == calls + 1


def test_update_and_archive_by_id_are_safe_to_repeat(
    hs: HubSpotSandboxHandle, writer: HubSpotWriter
) -> None:
    ids = [str(r.crm_id) for r in writer.batch_upsert("orders", "channelsync_id", orders(3))]
    updates = [{"hs_object_id": i, "channelsync_status": "fulfilled"} for i in ids]
    updates.append({"hs_object_id": "999999", "channelsync_status": "paid"})
    results = writer.batch_update("orders", updates)
    assert [r.status for r in results] == ["updated"] * 3 + ["failed"]
    assert results[3].errors[0].code == "OBJECT_NOT_FOUND"
    assert stored(hs, "cs-ord-00002")["channelsync_status"] == "fulfilled"
    hs.app.add_fault(Fault("orders.batch.archive", "reset", times=1))
    archived = writer.batch_archive("orders", ids)
    assert [r.status for r in archived] == ["deleted"] * 3 and counts(hs) == {}


def test_labelled_associations_are_made_once_and_a_reseller_can_change(
    hs: HubSpotSandboxHandle, writer: HubSpotWriter
) -> None:
    assoc = HubSpotAssociations(writer.client)
    reseller = assoc.ensure_label("companies", "companies", "Reseller", inverse_label="Customer")
    assert reseller.category == "USER_DEFINED"
    assert assoc.ensure_label("companies", "companies", "Reseller") == reseller  # cached
    other = HubSpotAssociations(writer.client)  # a second writer finds it: no second label
    assert other.ensure_label("companies", "companies", "Reseller") == reseller
    assert hs.app.calls()["associations.v4.labels.create"] == 1
    customer, old, new = (str(r.id) for r in hs.app.records("companies")[:3])
    hs.app.add_fault(Fault("associations.v4.batch.create", "reset", times=1))
    made = assoc.create("companies", "companies", [(customer, old), (customer, "1")], [reseller])
    assert [r.status for r in made] == ["created", "failed"]
    assert made[1].key == f"{customer}>1"
    assert hs.app.count_associations("companies", "companies", "Reseller") == {
        (int(customer), int(old)): 1
    }
    # The reseller of record changes: its label goes, the pair stays associated (unlabeled).
    assoc.remove("companies", "companies", [(customer, old)], [reseller])
    assoc.create("companies", "companies", [(customer, new)], [reseller])
    assert hs.app.count_associations("companies", "companies", "Reseller") == {
        (int(customer), int(new)): 1
    }
    assert (int(customer), int(old)) in hs.app.count_associations("companies", "companies")
    assoc.remove("companies", "companies", [(customer, old)])
    assert (int(customer), int(old)) not in hs.app.count_associations("companies", "companies")


def test_a_label_created_by_someone_else_meanwhile_is_found(
    hs: HubSpotSandboxHandle, writer: HubSpotWriter
) -> None:
    first = HubSpotAssociations(writer.client).ensure_label("companies", "companies", "Parent")
    # The next look finds nothing (the other writer had not made it yet); creating it again is
    # refused; a second look finds it.
    empty = Fault("associations.v4.labels.read", status=200, body=b'{"results": []}', times=1)
    hs.app.add_fault(empty)
    again = HubSpotAssociations(writer.client).ensure_label("companies", "companies", "Parent")
    assert again == first
    assert hs.app.calls()["associations.v4.labels.create"] == 2


def test_default_types_and_primary_labels_work_the_same(
    hs: HubSpotSandboxHandle, writer: HubSpotWriter
) -> None:
    assoc = HubSpotAssociations(writer.client)
    ids = writer.batch_upsert("orders", "channelsync_id", orders(2))
    deal = str(hs.app.records("deals")[0].id)
    to_deal = AssociationType("HUBSPOT_DEFINED", 512)
    pairs = [(str(r.crm_id), deal) for r in ids]
    assert all(r.ok for r in assoc.create("orders", "deals", pairs, [to_deal]))
    assert all(r.ok for r in assoc.create("orders", "deals", pairs, [to_deal]))  # no-op
    linked = hs.app.count_associations("orders", "deals")
    assert {pair: n for pair, n in linked.items() if str(pair[1]) == deal} == {
        (int(p[0]), int(deal)): 1 for p in pairs
    }


def test_bad_input_is_refused_before_any_call(writer: HubSpotWriter) -> None:
    with pytest.raises(ValueError, match="input 1 has no channelsync_id"):
        writer.batch_upsert("orders", "channelsync_id", [orders(1)[0], {"hs_order_name": "x"}])
    with pytest.raises(ValueError, match="not a HubSpot record id"):
        writer.batch_archive("orders", ["abc"])
