"""Limits and sessions during a pull, end to end: QUERY_TIMEOUT on a window, a spent daily limit
mid-run (Salesforce's REQUEST_LIMIT_EXCEEDED, HubSpot's DAILY 429), session and token expiry
mid-run. Retry waits run on a fake clock; every try is one call the sandbox counts per route.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from connector.connections import Connection, load_connections
from connector.sync.report import ObjectReport
from crm_sandbox.common.faults import Fault
from crm_sandbox.salesforce.errors import error_body
from crm_sandbox.salesforce.testing import running_salesforce_sandbox
from order_core.deals.models import Deal, DealLine
from order_core.rowbatch import table_of
from order_core.sync.models import SyncRecord, SyncRun
from tests.e2e.conftest import Sandboxes
from tests.e2e.oracle import assert_core_matches
from tests.e2e.probes import (
    ROOT,
    FakeClock,
    audits,
    core_row,
    count,
    cursor,
    expected_hs,
    expected_sf,
    fake_retry,
    fast_hubspot,
    hubspot_429,
    load,
    puller,
)

QUERY_TIMEOUT = error_body("QUERY_TIMEOUT", "Your query request was running for too long.")


def _opportunity_queries(sandboxes: Sandboxes) -> list[str]:
    queries = [r.query["q"][0] for r in sandboxes.sf.app.requests("queryAll")]
    return [q for q in queries if " FROM Opportunity " in q]


def test_salesforce_query_timeout_splits_the_window_and_syncs_both_halves(
    sandboxes: Sandboxes,
    connections: dict[str, Connection],
    core: Engine,
    request: pytest.FixtureRequest,
) -> None:
    p = puller(request, connections["acme-sf"], core, retry=fake_retry(FakeClock()))
    assert p.run().status == "ok"
    saved = cursor(core, "acme-sf", "Opportunity")
    assert saved is not None
    admin = sandboxes.sf.app.admin_api
    opps = sorted(str(i) for i in sandboxes.sf.app.store.records["Opportunity"] if i != saved[1])
    # One change early in the window (inside the overlap), one now: one in each half.
    admin.change_record("Opportunity", opps[0], {"Name": "Early half"})
    admin.set_stamp("Opportunity", opps[0], saved[0] - timedelta(seconds=200))
    admin.change_record("Opportunity", opps[1], {"Name": "Late half"})
    sandboxes.sf.app.reset_log()
    # The third queryAll of the run (Opportunity's window) times out once.
    sandboxes.sf.app.add_fault(Fault("queryAll", "status", 400, QUERY_TIMEOUT, times=1, skip=2))

    report = p.run()

    assert report.status == "ok", report.message
    assert report.objects["Opportunity"].updated == 2
    assert core_row(core, Deal, "acme-sf", "deal", opps[0])["name"] == "Early half"
    assert core_row(core, Deal, "acme-sf", "deal", opps[1])["name"] == "Late half"
    timed_out, first, second = _opportunity_queries(sandboxes)
    middle = first.split("SystemModstamp < ")[1].split(" ")[0]
    assert f"SystemModstamp >= {middle}" in second  # the halves meet: nothing skipped
    assert first.split("SystemModstamp >= ")[1].split(" ")[0] in timed_out  # same start
    assert sandboxes.sf.app.calls() == {"queryAll": 4 + 2}
    assert report.objects["Opportunity"].api_calls == 3
    assert_core_matches(core, "acme-sf", expected_sf(sandboxes.sf, p.mapping))


def test_salesforce_request_limit_mid_run_stops_cleanly_and_the_next_run_resumes(
    core: Engine, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    with running_salesforce_sandbox(seed=4, records=110) as sf:  # line items: two pages of 200
        conn = load(tmp_path, sf=sf)["acme-sf"]
        p = puller(request, conn, core, retry=fake_retry(FakeClock()))
        # The line items' second page: Salesforce says the org's daily requests are spent.
        sf.app.admin_api.fail_request_limit("query.more", times=1)

        stopped = p.run()

        assert stopped.status == "stopped"
        assert "REQUEST_LIMIT_EXCEEDED" in stopped.message and "resumes" in stopped.message
        lines = stopped.objects["OpportunityLineItem"]
        assert lines.created == 200 and lines.read == 200  # the first page, applied
        assert sf.app.requests("query.more")[0].status == 403  # not retried
        assert len(sf.app.requests("query.more")) == 1
        saved = cursor(core, "acme-sf", "OpportunityLineItem")
        assert saved is not None and lines.cursor_after == f"{saved[0]} {saved[1]}"
        with core.connect() as c:
            assert c.execute(table_of(SyncRun).select()).mappings().one()["status"] == "stopped"

        resumed = p.run()

        assert resumed.status == "ok", resumed.message
        rest = resumed.objects["OpportunityLineItem"]
        total = len(sf.app.store.records["OpportunityLineItem"])
        assert rest.created == total - 200  # only what the stopped run did not apply
        assert resumed.total("created") == rest.created and resumed.total("updated") == 0
        # Nothing lost, nothing doubled: one line, one link and one creation entry per record.
        assert count(core, DealLine) == total == audits(core, "crm_create", "deal_line")
        links = table_of(SyncRecord)
        assert count(core, SyncRecord, links.c.target == "deal_line") == total
        assert_core_matches(core, "acme-sf", expected_sf(sf, p.mapping))


def test_hubspot_daily_limit_mid_run_stops_cleanly_and_the_next_run_resumes(
    sandboxes: Sandboxes,
    connections: dict[str, Connection],
    core: Engine,
    request: pytest.FixtureRequest,
) -> None:
    hs = sandboxes.hs
    start = max(r.updated for r in hs.app.records("deals"))
    for i in range(260):  # deals stamped a second apart: two search pages of 200 and more
        hs.app.create_record(
            "deals", {"dealname": f"New {i}"}, updated=start + timedelta(seconds=i + 1)
        )
    p = fast_hubspot(request, connections["emea-hs"], core, hs)
    hs.app.add_fault(Fault("deals.search", status=429, body=hubspot_429("DAILY"), times=1, skip=1))

    stopped = p.run()

    assert stopped.status == "stopped"
    assert "daily API limit" in stopped.message
    deals = stopped.objects["deals"]
    assert deals.created == 200 and "line_items" not in stopped.objects
    assert [r.status for r in hs.app.requests("deals.search")] == [200, 429]  # not retried
    saved = cursor(core, "emea-hs", "deals")
    assert saved is not None and deals.cursor_after == f"{saved[0]} {saved[1]}"

    resumed = p.run()

    assert resumed.status == "ok", resumed.message
    assert resumed.objects["deals"].created == 300 - 200
    assert resumed.objects["line_items"].created == 82
    assert (
        count(core, Deal) == 300 == count(core, SyncRecord, table_of(SyncRecord).c.target == "deal")
    )
    assert_core_matches(core, "emea-hs", expected_hs(hs, p.mapping))


def test_salesforce_session_expiry_mid_run_logs_in_once_more(
    sandboxes: Sandboxes,
    connections: dict[str, Connection],
    core: Engine,
    request: pytest.FixtureRequest,
) -> None:
    expired: list[str] = []

    def midway(obj: str, _rep: ObjectReport) -> None:
        if obj == "Contact" and not expired:
            sandboxes.sf.app.admin_api.expire_sessions()  # every issued token, at once
            expired.append(obj)

    p = puller(
        request, connections["acme-sf"], core, retry=fake_retry(FakeClock()), progress=midway
    )
    report = p.run()

    assert report.status == "ok", report.message
    assert expired == ["Contact"]
    calls = sandboxes.sf.app.calls()
    # One login, then the Opportunity query is refused (401), one fresh login, asked again.
    assert calls == {"oauth.token": 2, "queryAll": 5}
    assert [r.status for r in sandboxes.sf.app.requests("queryAll")] == [200, 200, 401, 200, 200]
    assert report.api_calls == 7
    assert_core_matches(core, "acme-sf", expected_sf(sandboxes.sf, p.mapping))


def test_hubspot_access_token_expiry_mid_run_refreshes_once_more(
    sandboxes: Sandboxes, core: Engine, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    hs = sandboxes.hs
    secret = "e2e-client-secret"
    path = tmp_path / "connections.yaml"
    path.write_text(
        f"""connections:
  emea-hs:
    kind: hubspot
    mapping: {ROOT / "mappings" / "hubspot.yaml"}
    base_url: {hs.base_url}
    auth:
      flow: refresh_token
      client_id: channelsync-e2e
      client_secret_env: E2E_HS_CLIENT_SECRET
      refresh_token_env: E2E_HS_REFRESH_TOKEN
""",
        encoding="utf-8",
    )
    env = {
        "E2E_HS_CLIENT_SECRET": secret,
        "E2E_HS_REFRESH_TOKEN": hs.app.issue_refresh_token("channelsync-e2e", secret),
    }
    conn = load_connections(path, env=env)["emea-hs"]
    revoked: list[str] = []

    def midway(obj: str, _rep: ObjectReport) -> None:
        if obj == "contacts" and not revoked:
            revoked.extend(t for t in hs.app.tokens if t != hs.access_token)
            for token in revoked:  # HubSpot ends the OAuth access token early
                hs.app.revoke_token(token)

    p = fast_hubspot(request, conn, core, hs)
    p.progress = midway
    report = p.run()

    assert report.status == "ok", report.message
    assert revoked
    tokens = hs.app.requests("oauth.token")
    assert len(tokens) == 2  # the first access token, and one refresh after the 401
    refused = [r for r in hs.app.requests() if r.status == 401]
    assert len(refused) == 1
    assert_core_matches(core, "emea-hs", expected_hs(hs, p.mapping))
