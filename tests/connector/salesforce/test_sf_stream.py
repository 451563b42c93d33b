"""The REST change stream end to end through simple-salesforce: order, cursors, deletions, overlap, calls."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from connector.errors import FatalError
from connector.salesforce.windows import Window
from connector.source import CrmSource, Cursor
from crm_sandbox.salesforce.testing import SalesforceSandboxHandle
from tests.connector.salesforce.conftest import (
    OPP_FIELDS,
    RECORDS,
    SourceFactory,
    api_calls,
    records_of,
    stamp_of,
    store_rows,
)


def test_full_read_returns_every_record_once_in_stamp_id_order(
    sandbox: SalesforceSandboxHandle, make_source: SourceFactory
) -> None:
    source: CrmSource = make_source()  # mypy checks the protocol is met
    pages = list(source.changed("Opportunity", OPP_FIELDS, [], None))
    records = records_of(pages)
    expected = store_rows(sandbox, "Opportunity")
    assert [r.crm_id for r in records] == [row["Id"] for row in expected]
    assert [r.stamp for r in records] == [stamp_of(row) for row in expected]
    assert len(records) == RECORDS
    # One page per REST answer of batchSize 200, each cursor at its last record.
    assert [len(p.records) for p in pages] == [200, 200, 50]
    for page in pages:
        last = page.records[-1]
        assert page.cursor == Cursor(last.stamp, last.crm_id)
    # API calls: ceil(N / page size) queries plus the login, no COUNT().
    assert api_calls(sandbox) == {"oauth.token": 1, "queryAll": 1, "query.more": 2}
    assert source.budget.calls == 1 + math.ceil(RECORDS / 200)
    (query,) = [r.query["q"][0] for r in sandbox.app.requests("queryAll")]
    assert query.startswith(
        "SELECT Id, SystemModstamp, IsDeleted, " + ", ".join(OPP_FIELDS) + " FROM Opportunity "
        "WHERE SystemModstamp < "
    )
    assert query.endswith("Z ORDER BY SystemModstamp, Id")


def test_values_are_exact_and_typed_like_the_store(
    sandbox: SalesforceSandboxHandle, make_source: SourceFactory
) -> None:
    records = records_of(list(make_source().changed("Opportunity", OPP_FIELDS, [], None)))
    by_id = {r.crm_id: r for r in records}
    for row in store_rows(sandbox, "Opportunity"):
        rec = by_id[str(row["Id"])]
        assert rec.stamp.tzinfo is UTC
        assert rec.fields["Name"] == row["Name"]
        assert isinstance(rec.fields["Amount"], Decimal)
        assert rec.fields["Amount"] == row["Amount"]  # exact, never through float
        assert rec.fields["CloseDate"] == row["CloseDate"].isoformat()  # dates stay text
        assert rec.fields["IsClosed"] is row["IsClosed"]
        assert rec.fields["AccountId"] == row["AccountId"]
        assert str(rec.fields["LastModifiedDate"]).endswith("+0000")
        assert rec.deleted is False


def test_incremental_read_from_a_cursor_and_an_immediate_rerun_costs_one_call(
    sandbox: SalesforceSandboxHandle, make_source: SourceFactory
) -> None:
    source = make_source()
    first = list(source.changed("Opportunity", OPP_FIELDS, [], None))
    cursor = first[-1].cursor
    assert cursor is not None
    sandbox.app.reset_log()
    # Nothing changed: one call, which re-reads only the cursor's own record (stamp >= since).
    again = records_of(list(source.changed("Opportunity", OPP_FIELDS, [], cursor)))
    assert [r.crm_id for r in again] == [cursor.last_id]
    assert api_calls(sandbox) == {"queryAll": 1}
    # Two changes arrive after the cursor, in (stamp, id) order (made in one millisecond, they
    # share a stamp, as on Salesforce, and come by id).
    rows = store_rows(sandbox, "Opportunity")
    changed = [str(rows[10]["Id"]), str(rows[3]["Id"])]
    for n, record_id in enumerate(changed):
        sandbox.app.admin_api.change_record("Opportunity", record_id, {"StageName": f"Stage {n}"})
    later = records_of(list(source.changed("Opportunity", OPP_FIELDS, [], cursor)))
    assert later[0].crm_id == cursor.last_id
    assert sorted(r.crm_id for r in later[1:]) == sorted(changed)
    assert [(r.stamp, r.crm_id) for r in later[1:]] == sorted(
        (r.stamp, r.crm_id) for r in later[1:]
    )
    stages = {r.crm_id: r.fields["StageName"] for r in later[1:]}
    assert stages == {changed[0]: "Stage 0", changed[1]: "Stage 1"}


def test_deletion_and_undelete_come_through_the_stream(
    sandbox: SalesforceSandboxHandle, make_source: SourceFactory
) -> None:
    source = make_source()
    cursor = list(source.changed("Opportunity", OPP_FIELDS, [], None))[-1].cursor
    victim = str(store_rows(sandbox, "Opportunity")[0]["Id"])
    sandbox.app.admin_api.delete_record("Opportunity", victim)
    pages = list(source.changed("Opportunity", OPP_FIELDS, [], cursor))
    gone = [r for r in records_of(pages) if r.crm_id == victim]
    assert len(gone) == 1 and gone[0].deleted is True
    assert gone[0].fields["Name"]  # Salesforce still returns the fields of a deleted record
    assert list(source.deleted_ids("Opportunity")) == []
    cursor = pages[-1].cursor
    sandbox.app.admin_api.undelete_record("Opportunity", victim)
    back = [
        r
        for r in records_of(list(source.changed("Opportunity", OPP_FIELDS, [], cursor)))
        if r.crm_id == victim
    ]
    assert len(back) == 1 and back[0].deleted is False


def test_overlap_brings_back_a_late_record_stamped_below_the_cursor(
    sandbox: SalesforceSandboxHandle, make_source: SourceFactory
) -> None:
    source = make_source(overlap_seconds=300)
    cursor = list(source.changed("Opportunity", OPP_FIELDS, [], None))[-1].cursor
    assert cursor is not None
    rows = store_rows(sandbox, "Opportunity")
    late, too_old = str(rows[5]["Id"]), str(rows[6]["Id"])
    # A transaction that committed late: its stamp is below the cursor, inside the overlap.
    sandbox.app.admin_api.set_stamp("Opportunity", late, cursor.stamp - timedelta(seconds=120))
    sandbox.app.admin_api.set_stamp("Opportunity", too_old, cursor.stamp - timedelta(seconds=400))
    again = records_of(list(source.changed("Opportunity", OPP_FIELDS, [], cursor)))
    ids = [r.crm_id for r in again]
    assert late in ids and too_old not in ids
    assert all(r.stamp >= cursor.stamp - timedelta(seconds=300) for r in again)
    assert [(r.stamp, r.crm_id) for r in again] == sorted((r.stamp, r.crm_id) for r in again)


def test_records_sharing_one_stamp_across_pages_are_read_once(
    sandbox: SalesforceSandboxHandle, make_source: SourceFactory
) -> None:
    same = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
    rows = store_rows(sandbox, "Opportunity")
    for row in rows[:300]:
        sandbox.app.admin_api.set_stamp("Opportunity", str(row["Id"]), same)
    records = records_of(list(make_source().changed("Opportunity", OPP_FIELDS, [], None)))
    assert len(records) == RECORDS == len({r.crm_id for r in records})
    shared = [r.crm_id for r in records if r.stamp == same]
    assert shared == sorted(shared) and len(shared) == 300


def test_stream_stops_at_the_time_it_started(
    sandbox: SalesforceSandboxHandle, make_source: SourceFactory
) -> None:
    started = datetime.now(UTC) - timedelta(seconds=1)
    source = make_source(now=lambda: started)
    stream = source.changed("Opportunity", OPP_FIELDS, [], None)
    first = next(stream)
    early, late = first.records[0].crm_id, str(store_rows(sandbox, "Opportunity")[-1]["Id"])
    for record_id in (early, late):
        sandbox.app.admin_api.change_record("Opportunity", record_id, {"StageName": "Closed Won"})
    rest = list(stream)
    # The record already read is not read again in this stream; the one still ahead may come
    # with its new stamp, but no cursor moves past the window the stream started with.
    assert early not in [r.crm_id for r in records_of(rest)]
    final = rest[-1].cursor
    assert final is not None and final.last_id != late
    moved = sandbox.app.admin_api.record("Opportunity", late)["SystemModstamp"]
    assert final.stamp < datetime.fromisoformat(str(moved))
    later = make_source()
    after = records_of(list(later.changed("Opportunity", OPP_FIELDS, [], final)))
    assert {early, late} <= {r.crm_id for r in after}


def test_fetch_reads_given_ids_in_chunks_flags_deleted_and_omits_unknown(
    sandbox: SalesforceSandboxHandle, make_source: SourceFactory
) -> None:
    rows = store_rows(sandbox, "Opportunity")
    wanted = [str(r["Id"]) for r in rows[:250]]
    sandbox.app.admin_api.delete_record("Opportunity", wanted[7])
    unknown = "006" + "0" * 15
    hostile = "006x' OR Name != '"
    source = make_source()
    got = source.fetch("Opportunity", [*wanted, unknown, hostile, wanted[0]], OPP_FIELDS, [])
    assert sorted(r.crm_id for r in got) == sorted(wanted)
    assert [r.deleted for r in got if r.crm_id == wanted[7]] == [True]
    assert api_calls(sandbox) == {"oauth.token": 1, "queryAll": 2}  # 200 ids per query
    for logged in sandbox.app.requests("queryAll"):
        assert "OR Name" not in logged.query["q"][0]


def test_associations_and_unsafe_names_are_refused_before_any_call(
    sandbox: SalesforceSandboxHandle, make_source: SourceFactory
) -> None:
    source = make_source()
    with pytest.raises(FatalError, match="no associations"):
        list(source.changed("Opportunity", OPP_FIELDS, ["companies"], None))
    with pytest.raises(FatalError, match="not a Salesforce API name"):
        list(source.changed("Opportunity", ["Name FROM Account --"], [], None))
    with pytest.raises(FatalError, match="not a Salesforce API name"):
        source.fetch("Opportunity WHERE", ["0065g000000c30HAAQ"], ["Name"], [])
    assert api_calls(sandbox) == {}


def test_injection_looking_cursor_id_and_text_values_travel_escaped(
    sandbox: SalesforceSandboxHandle, make_source: SourceFactory
) -> None:
    rows = store_rows(sandbox, "Opportunity")
    tricky = "O'Brien \\ \"Zürich\" 100% _x_\nsecond line' OR Name != '"
    record_id, oldest = str(rows[0]["Id"]), stamp_of(rows[0])
    sandbox.app.admin_api.change_record("Opportunity", record_id, {"Description": tricky})
    source = make_source()
    hostile = Cursor(oldest - timedelta(days=1), "x' OR Name != 'y")
    window = Window(None, datetime.now(UTC) + timedelta(seconds=1), hostile)
    records = records_of(list(source.stream.pages("Opportunity", OPP_FIELDS, window)))
    assert {r.crm_id: r.fields["Description"] for r in records}[record_id] == tricky
    assert len(records) == RECORDS  # the quote did not end the literal: no OR took effect
    text = sandbox.app.requests("queryAll")[-1].query["q"][0]
    assert "AND Id > 'x\\' OR Name != \\'y'" in text
