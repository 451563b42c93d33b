"""Associations with labels on every page, re-reads by id, and archived records."""

from __future__ import annotations

from datetime import timedelta

from connector.hubspot import HubSpotSource
from crm_sandbox.hubspot import HubSpotSandboxHandle
from crm_sandbox.hubspot.app import HubSpotSandboxApp
from tests.connector.hubspot.conftest import Opener, private_app


def _expected_companies(app: HubSpotSandboxApp, deal: int) -> list[tuple[str, frozenset[str]]]:
    """What the sandbox holds for a deal's companies, by label."""
    out = []
    for company in app.associated_ids("deals", deal, "companies"):
        types = next(
            t
            for oid, t in app.portal.store.associated(("deals", deal), "companies")
            if oid == company
        )
        labels = {app.portal.catalog.get(t).label for t in types}  # type: ignore[union-attr]
        out.append((str(company), frozenset(label for label in labels if label)))
    return out


def test_each_page_carries_labelled_associations(
    hs: HubSpotSandboxHandle, source: HubSpotSource
) -> None:
    pages = list(source.changed("deals", ["dealname"], ["companies", "line_items"], None))
    records = [r for p in pages for r in p.records]
    assert len(records) == 40
    for record in records:
        assert record.associations["companies"] == _expected_companies(hs.app, int(record.crm_id))
        lines = hs.app.associated_ids("deals", record.crm_id, "line_items")
        assert record.associations["line_items"] == [(str(i), frozenset()) for i in lines]
    partnered = hs.app.seed_id("D000001")
    deal = next(r for r in records if r.crm_id == str(partnered))
    labels = sorted(sorted(labels) for _, labels in deal.associations["companies"])
    assert labels == [["Partner"], ["Primary"]]
    # One v4 batch read per associated object per page, for that page's ids.
    assert hs.app.calls() == {"deals.search": 1, "associations.v4.batch.read": 2}
    reads = hs.app.requests("associations.v4.batch.read")
    assert {r.path for r in reads} == {
        "/crm/v4/associations/deals/companies/batch/read",
        "/crm/v4/associations/deals/line_items/batch/read",
    }
    assert all(r.body.count('"id"') == 40 for r in reads)


def test_line_items_read_their_deal(hs: HubSpotSandboxHandle, source: HubSpotSource) -> None:
    items = [
        r for p in source.changed("line_items", ["hs_sku"], ["deals"], None) for r in p.records
    ]
    assert len(items) == len(hs.app.records("line_items"))
    for item in items:
        (deal,) = hs.app.associated_ids("line_items", item.crm_id, "deals")
        assert item.associations["deals"] == [(str(deal), frozenset())]


def test_associations_paged_per_record_are_read_whole(
    hs: HubSpotSandboxHandle, source: HubSpotSource
) -> None:
    hs.app.set_association_page_size(1)  # every record with two companies needs a second read
    records = [r for p in source.changed("deals", [], ["companies"], None) for r in p.records]
    for record in records:
        assert record.associations["companies"] == _expected_companies(hs.app, int(record.crm_id))
    two = sum(1 for r in records if len(r.associations["companies"]) == 2)
    assert two > 0
    reads = hs.app.requests("associations.v4.batch.read")
    assert len(reads) == 2 and reads[1].body.count('"after"') == two


def test_an_association_change_without_a_stamp_change_shows_through_fetch(
    hs: HubSpotSandboxHandle, open_source: Opener
) -> None:
    source = open_source(private_app(hs, overlap_seconds=0))
    pages = list(source.changed("deals", ["dealname"], ["companies"], None))
    cursor = pages[-1].cursor
    deal = hs.app.seed_id("D000001")
    old_partner = next(c for c, labels in _expected_companies(hs.app, deal) if "Partner" in labels)
    new_partner = hs.app.seed_id("P00002")
    stamp = hs.app.record("deals", deal).updated
    hs.app.dissociate("deals", deal, "companies", old_partner)
    hs.app.associate("deals", deal, "companies", new_partner, hs.app.seed.partner_label_id)
    assert hs.app.record("deals", deal).updated == stamp  # HubSpot does not bump the stamp
    assert cursor is not None and cursor.last_id != str(deal)
    again = [
        r.crm_id for p in source.changed("deals", [], ["companies"], cursor) for r in p.records
    ]
    assert again == [cursor.last_id]  # the change stream cannot see it
    (fetched,) = source.fetch("deals", [str(deal)], ["dealname"], ["companies"])
    partners = [c for c, labels in fetched.associations["companies"] if "Partner" in labels]
    assert partners == [str(new_partner)]
    assert fetched.stamp == stamp


def test_fetch_reads_live_records_in_the_order_asked(
    hs: HubSpotSandboxHandle, source: HubSpotSource
) -> None:
    deals = [str(r.id) for r in hs.app.records("deals")]
    hs.app.archive_record("deals", deals[1])
    asked = [deals[3], deals[1], "99999999", deals[0], deals[3]]
    fetched = source.fetch("deals", asked, ["dealname", "amount"], ["companies"])
    assert [r.crm_id for r in fetched] == [deals[3], deals[0]]  # archived and unknown left out
    assert fetched[0].fields["dealname"] == hs.app.record("deals", deals[3]).props["dealname"]
    assert hs.app.calls() == {"deals.batch.read": 1, "associations.v4.batch.read": 1}


def test_fetch_reads_100_records_a_call(hs: HubSpotSandboxHandle, source: HubSpotSource) -> None:
    start = max(r.updated for r in hs.app.records("deals")) + timedelta(seconds=1)
    for i in range(210):
        hs.app.create_record("deals", {"dealname": f"More {i}"}, updated=start)
    ids = [str(r.id) for r in hs.app.records("deals")]
    fetched = source.fetch("deals", ids, ["dealname"], ["companies"])
    assert [r.crm_id for r in fetched] == ids
    assert hs.app.calls() == {"deals.batch.read": 3, "associations.v4.batch.read": 1}
    bodies = [r.body for r in hs.app.requests("deals.batch.read")]
    assert [b.count('"id"') for b in bodies] == [100, 100, 50]


def test_archived_records_are_listed_as_deleted(
    hs: HubSpotSandboxHandle, source: HubSpotSource
) -> None:
    deals = hs.app.records("deals")
    start = max(r.updated for r in deals) + timedelta(seconds=1)
    extra = [
        hs.app.create_record("deals", {"dealname": f"Old {i}"}, updated=start) for i in range(150)
    ]
    gone = [deals[0].id, deals[5].id, *extra]
    for rid in gone:
        hs.app.archive_record("deals", rid)
    hs.app.restore_record("deals", deals[5].id)  # restored: no longer listed
    pages = list(source.deleted_ids("deals"))
    assert [len(p) for p in pages] == [100, 51]
    records = [r for p in pages for r in p]
    assert [r.crm_id for r in records] == [str(i) for i in gone if i != deals[5].id]
    for record in records:
        archived = hs.app.record("deals", record.crm_id)
        assert record.deleted and record.stamp == archived.updated
    assert hs.app.calls() == {"deals.list": 2}
    listed = hs.app.requests("deals.list")
    assert all([v.lower() for v in r.query["archived"]] == ["true"] for r in listed)
    # The change stream never carries archived records.
    live = {r.crm_id for p in source.changed("deals", [], [], None) for r in p.records}
    assert not live & {r.crm_id for r in records}
