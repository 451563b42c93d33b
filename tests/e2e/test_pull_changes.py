"""Changes end to end, both CRMs: incremental pulls update only what changed, deletions / archives
and undeletes / restores reach the core, and an immediate re-run writes nothing and spends only
the calls it must (counted by the sandbox per route)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy.engine import Engine

from connector.connections import Connection
from order_core.customers.models import EndCustomer
from order_core.deals.models import Deal, DealLine
from order_core.partners.models import Buyer
from tests.e2e.conftest import PullerFactory, Sandboxes
from tests.e2e.oracle import assert_core_matches
from tests.e2e.probes import (
    audits,
    changed,
    core_row,
    cursors,
    deal_by_crm_id,
    expected_hs,
    expected_sf,
    fast_hubspot,
    line_ids,
    snapshot,
)


def _sf_ids(sandboxes: Sandboxes, sobject: str, **where: object) -> list[str]:
    rows = sandboxes.sf.app.store.records[sobject].values()
    return sorted(
        str(r["Id"])
        for r in rows
        if not r["IsDeleted"] and all(r.get(k) == v for k, v in where.items())
    )


def _hs_ids(sandboxes: Sandboxes, obj: str, **where: str) -> list[str]:
    recs = sandboxes.hs.app.records(obj)
    return [str(r.id) for r in recs if all(r.props.get(k) == v for k, v in where.items())]


def test_salesforce_incremental_pull_updates_only_the_edited_records(
    sandboxes: Sandboxes, puller: PullerFactory, core: Engine
) -> None:
    p = puller("acme-sf")
    assert p.run().status == "ok"
    admin = sandboxes.sf.app.admin_api
    opps = _sf_ids(sandboxes, "Opportunity")[:3]
    for n, opp in enumerate(opps):
        admin.change_record("Opportunity", opp, {"Name": f"Edited {n}", "Amount": 1000 + n})
    customer = _sf_ids(sandboxes, "Account", IsPartner=False)[0]
    admin.change_record("Account", customer, {"BillingCity": "Tromsø"})
    line = _sf_ids(sandboxes, "OpportunityLineItem")[0]
    admin.change_record("OpportunityLineItem", line, {"Quantity": 7})
    buyer = next(c for c in _sf_ids(sandboxes, "Contact", Channel_Role__c="Approver"))
    admin.change_record("Contact", buyer, {"FirstName": "Renamed", "Channel_Role__c": "Admin"})
    before, audits_before = snapshot(core), audits(core)

    report = p.run()

    assert report.status == "ok", report.message
    counts = {
        obj: (o.created, o.updated, o.deleted, o.quarantined) for obj, o in report.objects.items()
    }
    assert counts == {
        "Account": (0, 1, 0, 0),
        "Contact": (0, 1, 0, 0),
        "Opportunity": (0, 3, 0, 0),
        "OpportunityLineItem": (0, 1, 0, 0),
    }
    assert_core_matches(core, "acme-sf", expected_sf(sandboxes.sf, p.mapping))
    deals = {core_row(core, Deal, "acme-sf", "deal", o)["id"] for o in opps}
    assert core_row(core, Deal, "acme-sf", "deal", opps[1])["amount"] == Decimal(1001)
    city = core_row(core, EndCustomer, "acme-sf", "end_customer", customer)
    assert city["city"] == "Tromsø"
    qty = core_row(core, DealLine, "acme-sf", "deal_line", line)["quantity"]
    assert qty == Decimal(7)
    renamed = core_row(core, Buyer, "acme-sf", "buyer", buyer)
    assert (renamed["name"].split()[0], renamed["role"]) == ("Renamed", "admin")
    diff = changed(before, snapshot(core))
    # Exactly the edited rows, their links and one audit entry each; nothing else was touched.
    assert diff["deal"] == deals
    assert diff["end_customer"] == {city["id"]} and diff["buyer"] == {renamed["id"]}
    assert len(diff["deal_line"]) == 1 and len(diff["sync_record"]) == 6
    assert set(diff) == {"deal", "end_customer", "buyer", "deal_line", "sync_record", "audit_entry"}
    assert audits(core) - audits_before == 6 == audits(core, "crm_update")


def test_hubspot_incremental_pull_updates_only_the_edited_records(
    sandboxes: Sandboxes,
    connections: dict[str, Connection],
    core: Engine,
    request: pytest.FixtureRequest,
) -> None:
    p = fast_hubspot(request, connections["emea-hs"], core, sandboxes.hs)
    assert p.run().status == "ok"
    app = sandboxes.hs.app
    deals = _hs_ids(sandboxes, "deals")[:3]
    for n, deal in enumerate(deals):
        app.change_record("deals", deal, {"dealname": f"Edited {n}", "amount": str(1000 + n)})
    customer = _hs_ids(sandboxes, "companies", channel_role="customer")[0]
    app.change_record("companies", customer, {"city": "Tromsø"})
    line = _hs_ids(sandboxes, "line_items")[0]
    app.change_record("line_items", line, {"quantity": "7"})
    buyer = _hs_ids(sandboxes, "contacts", channel_buyer_role="approver")[0]
    app.change_record("contacts", buyer, {"firstname": "Renamed", "channel_buyer_role": "admin"})
    before, audits_before = snapshot(core), audits(core)

    report = p.run()

    assert report.status == "ok", report.message
    counts = {
        obj: (o.created, o.updated, o.deleted, o.quarantined) for obj, o in report.objects.items()
    }
    assert counts == {
        "companies": (0, 1, 0, 0),
        "contacts": (0, 1, 0, 0),
        "deals": (0, 3, 0, 0),
        "line_items": (0, 1, 0, 0),
    }
    assert_core_matches(core, "emea-hs", expected_hs(sandboxes.hs, p.mapping))
    ids = {core_row(core, Deal, "emea-hs", "deal", d)["id"] for d in deals}
    assert core_row(core, Deal, "emea-hs", "deal", deals[2])["name"] == "Edited 2"
    city = core_row(core, EndCustomer, "emea-hs", "end_customer", customer)
    assert city["city"] == "Tromsø"
    renamed = core_row(core, Buyer, "emea-hs", "buyer", buyer)
    assert (renamed["name"].split()[0], renamed["role"]) == ("Renamed", "admin")
    diff = changed(before, snapshot(core))
    assert diff["deal"] == ids and diff["end_customer"] == {city["id"]}
    assert diff["buyer"] == {renamed["id"]}
    assert len(diff["deal_line"]) == 1 and len(diff["sync_record"]) == 6
    assert set(diff) == {"deal", "end_customer", "buyer", "deal_line", "sync_record", "audit_entry"}
    assert audits(core) - audits_before == 6 == audits(core, "crm_update")


def test_salesforce_deletions_and_undeletes(
    sandboxes: Sandboxes, puller: PullerFactory, core: Engine
) -> None:
    p = puller("acme-sf")
    assert p.run().status == "ok"
    admin = sandboxes.sf.app.admin_api
    opp = _sf_ids(sandboxes, "Opportunity")[0]
    lines = _sf_ids(sandboxes, "OpportunityLineItem", OpportunityId=opp)
    admin.delete_record("Opportunity", opp)
    for line in lines:  # Salesforce deletes an opportunity's products with it
        admin.delete_record("OpportunityLineItem", line)

    gone = p.run()

    assert gone.status == "ok", gone.message
    assert gone.objects["Opportunity"].deleted == 1
    assert gone.objects["OpportunityLineItem"].deleted == len(lines) > 0
    assert gone.total("created") == gone.total("updated") == 0
    deal = deal_by_crm_id(core, "acme-sf", opp)
    assert deal is not None and deal["deleted_in_crm"]  # flagged: quotes may point at it
    assert not set(lines) & line_ids(core, "acme-sf")
    assert_core_matches(core, "acme-sf", expected_sf(sandboxes.sf, p.mapping))

    admin.undelete_record("Opportunity", opp)
    for line in lines:
        admin.undelete_record("OpportunityLineItem", line)
    back = p.run()

    assert back.status == "ok", back.message
    assert back.objects["Opportunity"].updated == 1  # the same deal, restored
    assert back.objects["OpportunityLineItem"].created == len(lines)
    restored = deal_by_crm_id(core, "acme-sf", opp)
    assert restored is not None and not restored["deleted_in_crm"]
    assert restored["id"] == deal["id"]
    assert set(lines) <= line_ids(core, "acme-sf")
    assert_core_matches(core, "acme-sf", expected_sf(sandboxes.sf, p.mapping))


def test_hubspot_archives_and_restores(
    sandboxes: Sandboxes,
    connections: dict[str, Connection],
    core: Engine,
    request: pytest.FixtureRequest,
) -> None:
    p = fast_hubspot(request, connections["emea-hs"], core, sandboxes.hs)
    assert p.run().status == "ok"
    app = sandboxes.hs.app
    deal = _hs_ids(sandboxes, "deals")[0]
    lines = [str(i) for i in app.associated_ids("deals", deal, "line_items")]
    app.archive_record("deals", deal)  # archiving bumps no stamp: not in the change stream
    for line in lines:
        app.archive_record("line_items", line)

    gone = p.run()

    assert gone.status == "ok", gone.message
    assert gone.objects["deals"].deleted == 1
    assert gone.objects["line_items"].deleted == len(lines) > 0
    assert gone.total("created") == gone.total("updated") == 0
    flagged = deal_by_crm_id(core, "emea-hs", deal)
    assert flagged is not None and flagged["deleted_in_crm"]
    assert not set(lines) & line_ids(core, "emea-hs")
    assert_core_matches(core, "emea-hs", expected_hs(sandboxes.hs, p.mapping))

    app.restore_record("deals", deal)  # nor does restoring: found by re-reading archived links
    for line in lines:
        app.restore_record("line_items", line)
    back = p.run()

    assert back.status == "ok", back.message
    assert back.objects["deals"].updated == 1
    assert back.objects["line_items"].created == len(lines)
    restored = deal_by_crm_id(core, "emea-hs", deal)
    assert restored is not None and not restored["deleted_in_crm"]
    assert restored["id"] == flagged["id"]
    assert_core_matches(core, "emea-hs", expected_hs(sandboxes.hs, p.mapping))


def test_salesforce_rerun_writes_nothing_and_spends_one_query_per_object(
    sandboxes: Sandboxes, puller: PullerFactory, core: Engine
) -> None:
    p = puller("acme-sf")
    first = p.run()
    assert first.status == "ok"
    # The first run: one login, then one queryAll per object (every object fits in a page).
    assert sandboxes.sf.app.calls() == {"oauth.token": 1, "queryAll": 4}
    assert first.api_calls == 5
    before, saved = snapshot(core), cursors(core, "acme-sf")
    sandboxes.sf.app.reset_log()

    again = p.run()

    assert again.status == "ok"
    assert again.total("created") == again.total("updated") == again.total("deleted") == 0
    assert again.total("quarantined") == 0
    # Each object's window (cursor minus the overlap up to now) in one queryAll: the record at
    # the cursor comes again and is skipped as unchanged. No login (the session is still good),
    # no deletions call (queryAll carries them), no re-read by id, no quarantine retry.
    assert sandboxes.sf.app.calls() == {"queryAll": 4}
    assert again.api_calls == 4
    assert {o: r.api_calls for o, r in again.objects.items()} == dict.fromkeys(saved, 1)
    assert snapshot(core) == before  # no row, link, audit entry or updated_at changed
    assert cursors(core, "acme-sf") == saved


def test_hubspot_rerun_writes_nothing_and_spends_only_the_calls_it_must(
    sandboxes: Sandboxes,
    connections: dict[str, Connection],
    core: Engine,
    request: pytest.FixtureRequest,
) -> None:
    p = fast_hubspot(request, connections["emea-hs"], core, sandboxes.hs)
    assert p.run().status == "ok"
    before, saved = snapshot(core), cursors(core, "emea-hs")
    sandboxes.hs.app.reset_log()

    again = p.run()

    assert again.status == "ok", again.message
    assert again.total("created") == again.total("updated") == again.total("deleted") == 0
    # Per object: one search for the window since the cursor minus the overlap (the record at
    # the cursor comes back and is skipped as unchanged) and one list of archived records
    # (archiving bumps no stamp, so only that list shows it). Contacts, deals and line items
    # map associations: one v4 batch read for the records the search returned. The first run
    # read every record with its associations, so no full association refresh is due yet.
    assert sandboxes.hs.app.calls() == {
        "companies.search": 1,
        "companies.list": 1,
        "contacts.search": 1,
        "contacts.list": 1,
        "deals.search": 1,
        "deals.list": 1,
        "line_items.search": 1,
        "line_items.list": 1,
        "associations.v4.batch.read": 3,
    }
    assert again.api_calls == 11
    assert snapshot(core) == before
    assert cursors(core, "emea-hs") == saved
