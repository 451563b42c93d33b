"""The change stream through hubspot-api-client against the sandbox: every record once, in
(stamp, id) order, from a cursor minus the overlap, past HubSpot's 10,000-result cap and past
any number of records sharing one ``hs_lastmodifieddate``."""

from __future__ import annotations

from collections import Counter
from collections.abc import Generator
from datetime import UTC, datetime, timedelta

from connector.hubspot import HubSpotSource
from connector.source import CrmSource, Cursor, Page
from crm_sandbox.hubspot import HubSpotSandboxHandle
from crm_sandbox.hubspot.app import HubSpotSandboxApp
from mappings.records import RawRecord
from tests.connector.hubspot.conftest import Opener, private_app

FIELDS = ["dealname", "amount", "registration_status"]


def _read(
    source: HubSpotSource, since: Cursor | None = None, obj: str = "deals"
) -> tuple[list[Page], list[RawRecord]]:
    pages = list(source.changed(obj, FIELDS, [], since))
    return pages, [r for p in pages for r in p.records]


def _expected(app: HubSpotSandboxApp, obj: str = "deals") -> list[tuple[datetime, str]]:
    return [
        (r.updated, str(r.id)) for r in sorted(app.records(obj), key=lambda r: (r.updated, r.id))
    ]


def _bulk(app: HubSpotSandboxApp, n: int, when: datetime, step: timedelta | None = None) -> None:
    for i in range(n):
        at = when + (step * i if step else timedelta(0))
        app.create_record(
            "deals", {"dealname": f"Bulk {i}", "amount": "10"}, updated=at, created=at
        )


def _latest(app: HubSpotSandboxApp) -> datetime:
    return max(r.updated for r in app.records("deals"))


def test_full_stream_reads_every_record_once_in_stamp_order(
    hs: HubSpotSandboxHandle, source: HubSpotSource
) -> None:
    _bulk(hs.app, 450, _latest(hs.app) + timedelta(seconds=1), timedelta(milliseconds=7))
    hs.app.reset_log()
    pages, records = _read(source)
    assert [(r.stamp, r.crm_id) for r in records] == _expected(hs.app)  # 490, once each, in order
    # Each query starts at the stamp of the last record read (inclusive): that record comes back
    # first and is skipped, so later pages carry 199 new records.
    assert [len(p.records) for p in pages] == [200, 199, 91]
    for page in pages:
        assert page.cursor == Cursor(page.records[-1].stamp, page.records[-1].crm_id)
    assert hs.app.calls() == {"deals.search": 3}  # one query per page, nothing else
    assert source.budget.calls == 3


def test_stamps_are_utc_and_values_text(hs: HubSpotSandboxHandle, source: HubSpotSource) -> None:
    _, records = _read(source)
    seeded = {str(r.id): r for r in hs.app.records("deals")}
    for record in records:
        assert record.stamp.tzinfo is UTC
        assert record.stamp == seeded[record.crm_id].updated
        assert record.fields["dealname"] == seeded[record.crm_id].props["dealname"]
        assert isinstance(record.fields["amount"], str)
        assert record.fields["registration_status"] == seeded[record.crm_id].props.get(
            "registration_status"
        )
        assert record.fields["hs_lastmodifieddate"] is not None
    assert any(r.fields["registration_status"] is None for r in records)  # null stays None


def test_incremental_from_a_cursor(hs: HubSpotSandboxHandle, open_source: Opener) -> None:
    source = open_source(private_app(hs, overlap_seconds=0))
    pages, _ = _read(source)
    cursor = pages[-1].cursor
    assert cursor is not None
    changed = [r.id for r in hs.app.records("deals")[:2]]
    for rid in changed:
        hs.app.change_record("deals", rid, {"amount": "123.45"})
    hs.app.reset_log()
    _, again = _read(source, cursor)
    # The record at the cursor's stamp comes again (stamps are inclusive), then the changes.
    assert [r.crm_id for r in again] == [cursor.last_id, *(str(i) for i in changed)]
    assert all(r.fields["amount"] == "123.45" for r in again[1:])
    assert hs.app.calls() == {"deals.search": 1}


def test_overlap_brings_back_a_late_record_stamped_below_the_cursor(
    hs: HubSpotSandboxHandle, source: HubSpotSource
) -> None:
    pages, first = _read(source)
    cursor = pages[-1].cursor
    assert cursor is not None
    # Search indexing lags: a change saved before the cursor's stamp shows up only now.
    late = hs.app.create_record(
        "deals", {"dealname": "Late"}, updated=cursor.stamp - timedelta(seconds=60)
    )
    too_old = hs.app.create_record(
        "deals", {"dealname": "Older"}, updated=cursor.stamp - timedelta(seconds=301)
    )
    _, again = _read(source, cursor)
    ids = [r.crm_id for r in again]
    assert str(late) in ids and str(too_old) not in ids
    window = [
        (r.stamp, r.crm_id) for r in first if r.stamp >= cursor.stamp - timedelta(seconds=300)
    ]
    expected = sorted([*window, (cursor.stamp - timedelta(seconds=60), str(late))])
    assert [(r.stamp, r.crm_id) for r in again] == expected


def test_more_than_10000_records_with_one_stamp_are_all_read_once(
    hs: HubSpotSandboxHandle, source: HubSpotSource
) -> None:
    tie = _latest(hs.app) + timedelta(seconds=1)
    _bulk(hs.app, 10_050, tie)
    _bulk(hs.app, 3, tie + timedelta(milliseconds=1), timedelta(milliseconds=1))
    hs.app.reset_log()
    _, records = _read(source)
    counts = Counter(r.crm_id for r in records)
    assert len(counts) == 40 + 10_050 + 3 and set(counts.values()) == {1}
    assert [(r.stamp, r.crm_id) for r in records] == _expected(hs.app)
    # 1 page (40 seeded + 160 at the tie) + 1 page (all at the tie: switch to reading it by id)
    # + 51 pages by id (10,050 at the tie; the first repeats the 200 already read) + 1 page after.
    assert hs.app.calls() == {"deals.search": 54}
    assert {r.status for r in hs.app.requests("deals.search")} == {200}  # never near the cap
    bodies = [r.body for r in hs.app.requests("deals.search")]
    assert '"operator":"EQ"' in bodies[2].replace(" ", "")
    assert '"operator":"GT"' in bodies[-1].replace(" ", "")
    assert all('"after"' not in b for b in bodies)  # keyset paging only, no offsets


def test_ties_straddling_pages_and_a_resume_inside_a_tie(
    hs: HubSpotSandboxHandle, open_source: Opener
) -> None:
    base = _latest(hs.app) + timedelta(seconds=1)
    _bulk(hs.app, 150, base)  # pages end inside this tie ...
    _bulk(hs.app, 420, base + timedelta(seconds=1))  # ... and this one fills whole pages
    _bulk(hs.app, 30, base + timedelta(seconds=2), timedelta(milliseconds=1))
    source = open_source(private_app(hs, overlap_seconds=0))
    pages, records = _read(source)
    assert [(r.stamp, r.crm_id) for r in records] == _expected(hs.app)
    inside = next(
        p.cursor for p in pages if p.cursor and p.cursor.stamp == base + timedelta(seconds=1)
    )
    assert inside is not None
    _, resumed = _read(source, inside)
    # A restart inside a tie reads that whole stamp again (nothing lost), then what follows.
    assert [(r.stamp, r.crm_id) for r in resumed] == [
        e for e in _expected(hs.app) if e[0] >= inside.stamp
    ]


def test_a_record_changed_while_the_stream_is_read_comes_again_later(
    hs: HubSpotSandboxHandle, source: HubSpotSource
) -> None:
    _bulk(hs.app, 400, _latest(hs.app) + timedelta(seconds=1), timedelta(milliseconds=3))
    expected = {e[1] for e in _expected(hs.app)}
    seen: list[RawRecord] = []
    stream = source.changed("deals", FIELDS, [], None)
    first = next(stream)
    seen += first.records
    moved = first.records[0].crm_id
    hs.app.change_record("deals", moved, {"amount": "999"})  # jumps to the end of the stream
    for page in stream:
        seen += page.records
    assert {r.crm_id for r in seen} == expected  # nobody skipped when the results shifted
    again = [r for r in seen if r.crm_id == moved]
    assert len(again) == 2 and again[1].fields["amount"] == "999"
    assert [(r.stamp, r.crm_id) for r in seen[200:]] == sorted(
        (r.stamp, r.crm_id) for r in seen[200:]
    )


def test_contacts_stream_on_lastmodifieddate(
    hs: HubSpotSandboxHandle, source: HubSpotSource
) -> None:
    records = [
        r for p in source.changed("contacts", ["email"], ["companies"], None) for r in p.records
    ]
    assert [(r.stamp, r.crm_id) for r in records] == _expected(hs.app, "contacts")
    body = hs.app.requests("contacts.search")[0].body
    assert "lastmodifieddate" in body and "hs_lastmodifieddate" not in body
    assert all(r.associations["companies"] for r in records)
    assert all(
        [labels for _, labels in r.associations["companies"]] == [frozenset({"Primary"})]
        for r in records
    )


def test_the_next_search_runs_ahead_and_an_early_stop_leaves_nothing_running(
    hs: HubSpotSandboxHandle, source: HubSpotSource
) -> None:
    _bulk(hs.app, 800, _latest(hs.app) + timedelta(seconds=1), timedelta(milliseconds=2))
    stream = source.changed("deals", FIELDS, ["companies"], None)
    assert isinstance(stream, Generator)
    first = next(stream)
    assert len(first.records) == 200
    stream.close()  # the caller stops: the search already under way is awaited and dropped
    calls = hs.app.calls()
    assert calls == {"deals.search": 2, "associations.v4.batch.read": 1}
    assert hs.app.calls() == calls  # and nothing more goes out afterwards


def test_hubspot_source_is_a_crm_source(source: HubSpotSource) -> None:
    crm: CrmSource = source  # checked by mypy: the protocol the sync engine reads through
    assert crm.name == "emea-hs" and crm.budget is source.client.budget
