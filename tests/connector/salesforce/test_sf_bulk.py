"""Bulk API 2.0: forced and by threshold, the same records and values as REST, CSV quirks, faults."""

from __future__ import annotations

import pytest

from connector.errors import RetriableError
from connector.retry import RetryPolicy
from crm_sandbox.common.faults import Fault
from crm_sandbox.salesforce import routes_bulk2
from crm_sandbox.salesforce.testing import SalesforceSandboxHandle
from mappings.records import RawRecord
from tests.connector.salesforce.conftest import (
    OPP_FIELDS,
    RECORDS,
    FakeClock,
    SourceFactory,
    api_calls,
    records_of,
    store_rows,
)

TRICKY: dict[str, object] = {
    "Name": 'Müller & Søn, "Ltd" — 東京',
    "Description": 'line one, with a comma\nline "two"\r\nline three\n\nZürich ✓',
}


def _by_id(records: list[RawRecord]) -> dict[str, RawRecord]:
    by_id = {r.crm_id: r for r in records}
    assert len(by_id) == len(records), "a record came twice"
    return by_id


def _prepare(sandbox: SalesforceSandboxHandle) -> list[str]:
    """Non-ASCII and multi-line quoted text on two records, one record deleted."""
    rows = store_rows(sandbox, "Opportunity")
    ids = [str(rows[1]["Id"]), str(rows[300]["Id"]), str(rows[420]["Id"])]
    sandbox.app.admin_api.change_record("Opportunity", ids[0], TRICKY)
    sandbox.app.admin_api.change_record("Opportunity", ids[1], {**TRICKY, "Amount": 1250.5})
    sandbox.app.admin_api.delete_record("Opportunity", ids[2])
    return ids


def test_forced_bulk_returns_the_same_records_and_values_as_rest(
    sandbox: SalesforceSandboxHandle, make_source: SourceFactory
) -> None:
    ids = _prepare(sandbox)
    rest = _by_id(
        records_of(list(make_source(bulk="never").changed("Opportunity", OPP_FIELDS, [], None)))
    )
    sandbox.app.reset_log()
    source = make_source(bulk="always")
    source.stream.bulk.page_records = 200
    pages = list(source.changed("Opportunity", OPP_FIELDS, [], None))
    bulk = _by_id(records_of(pages))
    assert bulk == rest  # ids, stamps, deletion flags and every field value
    assert len(bulk) == RECORDS
    assert bulk[ids[0]].fields["Name"] == TRICKY["Name"]
    assert bulk[ids[1]].fields["Description"] == TRICKY["Description"]
    assert str(bulk[ids[1]].fields["Amount"]) == "1250.5"
    assert bulk[ids[2]].deleted is True
    # Result pages carry no cursor until the last one, which covers the whole job.
    assert [len(p.records) for p in pages] == [200, 200, 50]
    assert [p.cursor is None for p in pages] == [True, True, False]
    top = max((r.stamp, r.crm_id) for r in bulk.values())
    assert pages[-1].cursor is not None
    assert (pages[-1].cursor.stamp, pages[-1].cursor.last_id) == top
    assert api_calls(sandbox) == {
        "oauth.token": 1,
        "sobject.describe": 1,
        "bulk2.query.create": 1,
        "bulk2.query.get": 1,
        "bulk2.query.results": 3,
    }
    (job,) = sandbox.app.jobs.values()
    assert job.operation == "queryAll"
    create = sandbox.app.requests("bulk2.query.create")[0].body
    assert "ORDER BY" not in create and "FROM Opportunity WHERE SystemModstamp <" in create


def test_bulk_above_the_threshold_continues_after_the_first_rest_page(
    sandbox: SalesforceSandboxHandle, make_source: SourceFactory
) -> None:
    _prepare(sandbox)
    rest = _by_id(
        records_of(list(make_source(bulk="never").changed("Opportunity", OPP_FIELDS, [], None)))
    )
    sandbox.app.reset_log()
    source = make_source(bulk_threshold=300)
    source.stream.bulk.page_records = 100
    pages = list(source.changed("Opportunity", OPP_FIELDS, [], None))
    assert _by_id(records_of(pages)) == rest
    # The first REST answer said totalSize 450 > 300: its 200 records, then Bulk for the rest.
    assert [len(p.records) for p in pages] == [200, 100, 100, 50]
    first = pages[0].records
    assert [r.crm_id for r in first] == [
        str(row["Id"]) for row in store_rows(sandbox, "Opportunity")[:200]
    ]
    assert pages[0].cursor is not None and pages[0].cursor.last_id == first[-1].crm_id
    assert api_calls(sandbox) == {
        "oauth.token": 1,
        "queryAll": 1,
        "sobject.describe": 1,
        "bulk2.query.create": 1,
        "bulk2.query.get": 1,
        "bulk2.query.results": 3,
    }
    create = sandbox.app.requests("bulk2.query.create")[0].body
    assert f"AND Id > '{first[-1].crm_id}'" in create


def test_under_the_threshold_stays_on_rest(
    sandbox: SalesforceSandboxHandle, make_source: SourceFactory
) -> None:
    list(make_source(bulk_threshold=450).changed("Opportunity", OPP_FIELDS, [], None))
    assert "bulk2.query.create" not in api_calls(sandbox)


def test_csv_without_charset_is_still_read_as_utf8(
    sandbox: SalesforceSandboxHandle, make_source: SourceFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = _prepare(sandbox)
    # requests would guess ISO-8859-1 for text/csv without a charset.
    monkeypatch.setattr(routes_bulk2, "CSV_TYPE", "text/csv")
    records = _by_id(
        records_of(list(make_source(bulk="always").changed("Opportunity", OPP_FIELDS, [], None)))
    )
    assert sandbox.app.requests("bulk2.query.results")
    assert records[ids[0]].fields["Name"] == TRICKY["Name"]


@pytest.mark.parametrize("kind", ["truncate", "reset", "malformed"])
def test_a_cut_or_garbled_results_page_is_read_again(
    sandbox: SalesforceSandboxHandle, make_source: SourceFactory, clock: FakeClock, kind: str
) -> None:
    sandbox.app.add_fault(Fault("bulk2.query.results", kind, times=1, skip=1))  # type: ignore[arg-type]
    source = make_source(bulk="always")
    source.stream.bulk.page_records = 200
    records = records_of(list(source.changed("Opportunity", OPP_FIELDS, [], None)))
    assert len(_by_id(records)) == RECORDS
    assert api_calls(sandbox)["bulk2.query.results"] == 4
    assert len(clock.sleeps) == 1


def test_a_results_page_that_keeps_failing_ends_in_a_retriable_error(
    sandbox: SalesforceSandboxHandle, make_source: SourceFactory, clock: FakeClock
) -> None:
    sandbox.app.add_fault(Fault("bulk2.query.results", "status", 503, times=None))
    source = make_source(
        bulk="always", retry=RetryPolicy(attempts=3, sleep=clock.sleep, clock=clock)
    )
    with pytest.raises(RetriableError, match=r"Bulk 2\.0 results of Opportunity: HTTP 503"):
        list(source.changed("Opportunity", OPP_FIELDS, [], None))
    assert api_calls(sandbox)["bulk2.query.results"] == 3
