"""Reconcile end to end, both CRMs through their real clients: in sync after a pull; each kind of
drift made behind the core's back (a change without a stamp, a change the core did not pull, a
deletion in the CRM, a core row and a link gone) found with its ids; ``repair`` re-pulls exactly
those and leaves the core equal to the CRM."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import delete
from sqlalchemy.engine import Engine

from connector.connections import Connection
from connector.sync.drift_report import ReconcileReport
from connector.sync.reconcile import Reconciler, reconcile_connection
from connector.sync.run import SetupError
from order_core.deals.models import Deal, DealLine
from order_core.rowbatch import table_of
from order_core.sync.models import SyncRecord
from tests.e2e.conftest import PullerFactory, Sandboxes
from tests.e2e.oracle import assert_core_matches
from tests.e2e.probes import core_row, expected_sf, fast_hubspot


def _drop_core_row(engine: Engine, model: Any, source: str, target: str, crm_id: str) -> None:
    row_id = core_row(engine, model, source, target, crm_id)["id"]
    with engine.begin() as conn:
        conn.execute(delete(table_of(model)).where(table_of(model).c.id == row_id))


def _drop_link(engine: Engine, source: str, target: str, crm_id: str) -> None:
    links = table_of(SyncRecord)
    c = links.c
    with engine.begin() as conn:
        conn.execute(
            delete(links).where(c.source == source, c.target == target, c.crm_id == crm_id)
        )


def _drift(report: ReconcileReport) -> dict[str, dict[str, list[str]]]:
    """Drifted ids by object and kind (every drifted id: the tests make fewer than the sample)."""
    out = {}
    for name, obj in report.objects.items():
        kinds = {kind: sorted(ids) for kind, ids in obj.ids.items() if ids}
        if kinds:
            out[name] = kinds
    return out


def test_salesforce_drift_found_by_kind_and_repaired(
    sandboxes: Sandboxes, puller: PullerFactory, core: Engine
) -> None:
    p = puller("acme-sf")
    assert p.run().status == "ok"

    clean = Reconciler(p).run()
    assert clean.drift == 0 and clean.unrepaired == 0
    accounts = clean.objects["Account"]
    assert accounts.crm == accounts.core == accounts.in_sync > 0
    assert {o.crm == o.core == o.in_sync for o in clean.objects.values()} == {True}

    admin = sandboxes.sf.app.admin_api
    store = sandboxes.sf.app.store.records
    opps = sorted(str(r["Id"]) for r in store["Opportunity"].values() if not r["IsDeleted"])
    silent, missed, deleted, unlinked = opps[:4]
    stamp = store["Opportunity"][silent]["SystemModstamp"]
    assert isinstance(stamp, datetime)
    admin.change_record("Opportunity", silent, {"Name": "Changed without a stamp"})
    admin.set_stamp("Opportunity", silent, stamp)  # a change the stamp does not show
    admin.change_record("Opportunity", missed, {"Amount": 4321})  # not pulled: the core is stale
    admin.delete_record("Opportunity", deleted)
    _drop_link(core, "acme-sf", "deal", unlinked)
    line = sorted(str(r["Id"]) for r in store["OpportunityLineItem"].values())[0]
    _drop_core_row(core, DealLine, "acme-sf", "deal_line", line)

    found = Reconciler(p).run()

    assert _drift(found) == {
        "Opportunity": {
            "different": [silent],
            "stale": [missed],
            "missing_in_crm": [deleted],
            "missing_in_core": [unlinked],
        },
        "OpportunityLineItem": {"missing_in_core": [line]},
    }
    assert found.drift == found.unrepaired == 5
    assert core_row(core, Deal, "acme-sf", "deal", silent)["name"] != "Changed without a stamp"

    repaired = Reconciler(p).run(repair=True)

    assert repaired.drift == 5 and repaired.unrepaired == 0
    assert sum(o.repulled for o in repaired.objects.values()) == 5
    assert core_row(core, Deal, "acme-sf", "deal", silent)["name"] == "Changed without a stamp"
    assert core_row(core, Deal, "acme-sf", "deal", missed)["amount"] == 4321
    assert core_row(core, Deal, "acme-sf", "deal", deleted)["deleted_in_crm"] is True
    assert_core_matches(core, "acme-sf", expected_sf(sandboxes.sf, p.mapping))
    assert Reconciler(p).run().drift == 0


def test_hubspot_drift_found_by_kind_and_repaired(
    sandboxes: Sandboxes,
    connections: dict[str, Connection],
    core: Engine,
    request: pytest.FixtureRequest,
) -> None:
    p = fast_hubspot(request, connections["emea-hs"], core, sandboxes.hs)
    assert p.run().status == "ok"
    assert Reconciler(p).run().drift == 0
    app = sandboxes.hs.app
    deals = sorted((str(r.id) for r in app.records("deals")), key=int)
    silent, missed, archived, unlinked = deals[:4]
    app.change_record("deals", silent, {"dealname": "Changed without a stamp"}, bump=False)
    app.change_record("deals", missed, {"amount": "4321"})
    # Its line items lose their deal: the mapping refuses them now, so a repair quarantines them.
    stranded = sorted(str(i) for i in app.associated_ids("deals", archived, "line_items"))
    assert stranded
    app.archive_record("deals", archived)
    _drop_link(core, "emea-hs", "deal", unlinked)
    company = sorted(
        (str(r.id) for r in app.records("companies") if r.props.get("channel_role") == "customer"),
        key=int,
    )[0]
    # Purged (gone for good) with its associations: its deals lose their customer, unstamped.
    orphaned = {str(i) for i in app.associated_ids("companies", company, "deals")}
    assert orphaned and not orphaned & {silent, missed, archived, unlinked}
    app.delete_record("companies", company)
    line = sorted((str(r.id) for r in app.records("line_items")), key=int)[0]
    _drop_core_row(core, DealLine, "emea-hs", "deal_line", line)

    found = Reconciler(p).run()

    assert _drift(found) == {
        "companies": {"missing_in_crm": [company]},
        "deals": {
            "different": sorted({silent} | orphaned),
            "stale": [missed],
            "missing_in_crm": [archived],
            "missing_in_core": [unlinked],
        },
        "line_items": {"missing_in_core": [line], "different": stranded},
    }

    repaired = Reconciler(p).run(repair=True)

    assert repaired.drift == 6 + len(orphaned) + len(stranded)
    assert repaired.unrepaired == len(stranded) == repaired.objects["line_items"].repair_quarantined
    assert core_row(core, Deal, "emea-hs", "deal", silent)["name"] == "Changed without a stamp"
    assert core_row(core, Deal, "emea-hs", "deal", archived)["deleted_in_crm"] is True
    assert core_row(core, Deal, "emea-hs", "deal", missed)["amount"] == 4321
    assert core_row(core, Deal, "emea-hs", "deal", unlinked)["deleted_in_crm"] is False
    assert {core_row(core, Deal, "emea-hs", "deal", d)["end_customer_id"] for d in orphaned} == {
        None
    }
    again = Reconciler(p).run()
    assert again.drift == 0, again.as_dict()
    assert again.objects["line_items"].quarantined == len(stranded)


def test_reconcile_connection_reports_plain_data_and_refuses_unknown_names(
    sandboxes: Sandboxes,
    connections: dict[str, Connection],
    puller: PullerFactory,
    core: Engine,
) -> None:
    assert puller("acme-sf").run().status == "ok"

    report = reconcile_connection("acme-sf", core, connections=connections)

    data = report.as_dict()
    assert data["drift"] == 0 and data["connection"] == "acme-sf"
    assert set(data["objects"]) == {"Account", "Contact", "Opportunity", "OpportunityLineItem"}
    assert data["api_calls"] >= 4
    assert sandboxes.sf.consumer_secret not in repr(data)
    with pytest.raises(SetupError, match="no connection named nope; the connections are"):
        reconcile_connection("nope", core, connections=connections)
