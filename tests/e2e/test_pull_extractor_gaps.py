"""The known failures of open-source CRM extractors, each staged in a sandbox and pulled end to end:
more than 10,000 HubSpot deals on one stamp, a late record stamped below the cursor, an
association change that bumps no stamp, and a child record that arrives before its parent."""

from __future__ import annotations

import json
import math
from datetime import timedelta

import pytest
from sqlalchemy.engine import Engine

from connector.connections import Connection
from connector.sync.pull import PullOptions
from connector.sync.report import ObjectReport
from order_core.deals.models import Deal
from order_core.partners.models import Partner
from tests.e2e.conftest import PullerFactory, Sandboxes
from tests.e2e.oracle import assert_core_matches
from tests.e2e.probes import (
    core_row,
    count,
    cursor,
    deal_by_crm_id,
    expected_hs,
    expected_sf,
    fast_hubspot,
    held,
)

BULK = 10_050  # deals sharing one hs_lastmodifieddate: past HubSpot's 10,000 search cap


def test_hubspot_more_than_10000_deals_with_one_stamp(
    sandboxes: Sandboxes,
    connections: dict[str, Connection],
    core: Engine,
    request: pytest.FixtureRequest,
) -> None:
    hs = sandboxes.hs
    tie = max(r.updated for r in hs.app.records("deals")) + timedelta(seconds=1)
    for i in range(BULK):  # a bulk import: one stamp for every record
        hs.app.create_record("deals", {"dealname": f"Imported {i}", "amount": "10"}, updated=tie)
    p = fast_hubspot(request, connections["emea-hs"], core, hs)

    report = p.run(PullOptions(objects=["companies", "deals"]))

    assert report.status == "ok", report.message
    deals = report.objects["deals"]
    assert deals.created == BULK + 40 and deals.quarantined == 0
    assert count(core, Deal) == BULK + 40
    # Keyset pages of 200, each query from offset 0: never near the cap, each record read once.
    # One query per 200 records, plus: the page that finds a whole page on one stamp, the
    # re-read of that stamp's first 200 by id (ties need not come by id) and the short last page.
    searches = hs.app.requests("deals.search")
    assert all(json.loads(r.body).get("after") in (None, "0", 0) for r in searches)
    assert deals.read == BULK + 40
    assert len(searches) <= math.ceil((BULK + 40) / 200) + 3
    assert [(r.route, r.status) for r in hs.app.requests() if r.status >= 300] == []
    saved = cursor(core, "emea-hs", "deals")
    assert saved is not None and saved[0] == tie
    last = max(r.id for r in hs.app.records("deals"))
    assert saved[1] == str(last)


def _late(report: ObjectReport) -> tuple[int, int, int]:
    return report.created, report.updated, report.quarantined


def test_salesforce_late_record_stamped_below_the_cursor_inside_the_overlap(
    sandboxes: Sandboxes, puller: PullerFactory, core: Engine
) -> None:
    p = puller("acme-sf")
    assert p.run().status == "ok"
    saved = cursor(core, "acme-sf", "Opportunity")
    assert saved is not None
    admin = sandboxes.sf.app.admin_api
    opps = sorted(str(i) for i in sandboxes.sf.app.store.records["Opportunity"] if i != saved[1])
    inside, outside = opps[0], opps[1]
    # Committed late: the change carries a stamp before the cursor (a long transaction, a
    # clock skew between app servers). One lies inside the 300 s overlap, one beyond it.
    admin.change_record("Opportunity", inside, {"Name": "Late inside"})
    admin.set_stamp("Opportunity", inside, saved[0] - timedelta(seconds=60))
    admin.change_record("Opportunity", outside, {"Name": "Late outside"})
    admin.set_stamp("Opportunity", outside, saved[0] - timedelta(seconds=900))

    report = p.run()

    assert report.status == "ok", report.message
    assert _late(report.objects["Opportunity"]) == (0, 1, 0)
    assert core_row(core, Deal, "acme-sf", "deal", inside)["name"] == "Late inside"
    # Beyond the overlap an incremental pull cannot see it: the overlap is the bound (make
    # overlap_seconds longer than the longest commit delay); a full pull finds it.
    assert core_row(core, Deal, "acme-sf", "deal", outside)["name"] != "Late outside"
    full = p.run(PullOptions(full=True))
    assert full.status == "ok" and _late(full.objects["Opportunity"]) == (0, 1, 0)
    assert full.total("created") == 0 and full.total("updated") == 1
    assert_core_matches(core, "acme-sf", expected_sf(sandboxes.sf, p.mapping))


def test_hubspot_late_record_stamped_below_the_cursor_inside_the_overlap(
    sandboxes: Sandboxes,
    connections: dict[str, Connection],
    core: Engine,
    request: pytest.FixtureRequest,
) -> None:
    p = fast_hubspot(request, connections["emea-hs"], core, sandboxes.hs)
    assert p.run().status == "ok"
    saved = cursor(core, "emea-hs", "deals")
    assert saved is not None
    app = sandboxes.hs.app
    deals = [str(r.id) for r in app.records("deals") if str(r.id) != saved[1]]
    inside, outside = deals[0], deals[1]
    app.change_record("deals", inside, {"dealname": "Late inside"})
    app.set_stamp("deals", inside, saved[0] - timedelta(seconds=60))
    app.change_record("deals", outside, {"dealname": "Late outside"})
    app.set_stamp("deals", outside, saved[0] - timedelta(seconds=900))

    report = p.run()

    assert report.status == "ok", report.message
    assert _late(report.objects["deals"]) == (0, 1, 0)
    assert core_row(core, Deal, "emea-hs", "deal", inside)["name"] == "Late inside"
    assert core_row(core, Deal, "emea-hs", "deal", outside)["name"] != "Late outside"
    full = p.run(PullOptions(full=True))
    assert full.status == "ok" and _late(full.objects["deals"]) == (0, 1, 0)
    assert full.total("created") == 0 and full.total("updated") == 1
    assert_core_matches(core, "emea-hs", expected_hs(sandboxes.hs, p.mapping))


def test_hubspot_association_change_without_a_stamp_change(
    sandboxes: Sandboxes,
    connections: dict[str, Connection],
    core: Engine,
    request: pytest.FixtureRequest,
) -> None:
    p = fast_hubspot(request, connections["emea-hs"], core, sandboxes.hs)
    assert p.run().status == "ok"
    app = sandboxes.hs.app
    partners = [
        str(r.id) for r in app.records("companies") if r.props.get("channel_role") != "customer"
    ]
    label = app.seed.partner_label_id
    deal, old = next(
        (str(r.id), str(pid))
        for r in app.records("deals")
        for pid in app.associated_ids("deals", r.id, "companies")
        if str(pid) in partners
    )
    new = next(c for c in partners if c != old)
    before = app.record("deals", deal).updated
    app.dissociate("deals", deal, "companies", old)
    app.associate("deals", deal, "companies", new, type_id=label)
    assert app.record("deals", deal).updated == before  # no stamp moved: the stream cannot see it

    was = core_row(core, Deal, "emea-hs", "deal", deal)["partner_id"]
    assert was == core_row(core, Partner, "emea-hs", "partner", old)["id"]

    app.reset_log()
    quiet = p.run()  # the full association refresh is not due yet (every 24 h by default)
    assert quiet.status == "ok" and quiet.total("updated") == 0
    assert "deals.batch.read" not in app.calls()
    assert core_row(core, Deal, "emea-hs", "deal", deal)["partner_id"] == was

    refresh = p.run(PullOptions(association_refresh_hours=0))

    assert refresh.status == "ok", refresh.message
    assert refresh.objects["deals"].updated == 1 and refresh.total("updated") == 1
    # Every linked deal, contact and line item re-read by id (100 a call) with its associations.
    calls = app.calls()
    assert calls["deals.batch.read"] == 1 and calls["line_items.batch.read"] == 1
    partner = core_row(core, Deal, "emea-hs", "deal", deal)["partner_id"]
    assert partner == core_row(core, Partner, "emea-hs", "partner", new)["id"]
    assert_core_matches(core, "emea-hs", expected_hs(sandboxes.hs, p.mapping))
    app.reset_log()
    after = p.run()  # the refresh was recorded: the next run is an ordinary one
    assert "deals.batch.read" not in app.calls() and after.total("updated") == 0


def test_salesforce_child_before_its_parent_waits_and_is_released_next_run(
    sandboxes: Sandboxes, puller: PullerFactory, core: Engine
) -> None:
    sf = sandboxes.sf.client()
    made: dict[str, str] = {}

    def midway(obj: str, _rep: ObjectReport) -> None:
        # While the run reads contacts, a user adds a customer and a deal for it: the deal
        # comes in this run's Opportunity window, its account only in the next Account window.
        if obj == "Contact" and not made:
            made["account"] = sf.Account.create({"Name": "Late Parent Ltd", "IsPartner": False})[
                "id"
            ]
            made["opp"] = sf.Opportunity.create(
                {
                    "Name": "Child First",
                    "StageName": "Prospecting",
                    "CloseDate": "2030-01-31",
                    "AccountId": made["account"],
                }
            )["id"]

    p = puller("acme-sf")
    p.progress = midway
    first = p.run()

    assert first.status == "ok", first.message
    assert first.objects["Opportunity"].quarantined == 1
    (entry,) = held(core, "acme-sf")
    assert entry["crm_id"] == made["opp"] and entry["target"] == "deal"
    assert (entry["waiting_target"], entry["waiting_crm_id"]) == ("end_customer", made["account"])
    assert f"waiting for end_customer {made['account']}" in entry["reason"]
    assert deal_by_crm_id(core, "acme-sf", made["opp"]) is None

    second = p.run()

    assert second.status == "ok", second.message
    assert second.objects["Account"].created == 1
    assert second.total("created") == 2 and held(core, "acme-sf") == []
    assert second.objects["Opportunity"].released + second.retried.released == 1
    deal = core_row(core, Deal, "acme-sf", "deal", made["opp"])
    assert deal["name"] == "Child First" and deal["end_customer_id"] is not None
    assert_core_matches(core, "acme-sf", expected_sf(sandboxes.sf, p.mapping))


def test_hubspot_children_before_parents_are_released_in_the_same_run(
    sandboxes: Sandboxes,
    connections: dict[str, Connection],
    core: Engine,
    request: pytest.FixtureRequest,
) -> None:
    p = fast_hubspot(request, connections["emea-hs"], core, sandboxes.hs)
    # Deals and line items first, without their companies: every deal waits for its customer,
    # every line item for its deal.
    first = p.run(PullOptions(objects=["deals", "line_items"]))
    assert first.status == "ok", first.message
    waiting = held(core, "emea-hs")
    assert first.total("created") == 0 and len(waiting) == first.total("quarantined") == 40 + 82
    # (a deal missing both its partner and its customer names the last one it looked up)
    assert {e["waiting_target"] for e in waiting} == {"end_customer", "deal"}

    second = p.run()

    assert second.status == "ok", second.message
    # The parents arrive, then the quarantine retry releases the deals, and a second round the
    # line items that waited for them: all in this run.
    assert held(core, "emea-hs") == []
    streamed = second.objects["deals"].created + second.objects["line_items"].created
    assert second.retried.created == second.retried.released == 40 + 82 - streamed
    assert streamed == 2  # the record at each cursor, read again inside the overlap
    assert second.total("created") == 13 + 5 + 40 + 82
    assert_core_matches(core, "emea-hs", expected_hs(sandboxes.hs, p.mapping))
