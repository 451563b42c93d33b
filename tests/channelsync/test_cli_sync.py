"""``channelsync sync``: pull, status and the quarantine through the CLI against both sandboxes, and
bad input: one line on stderr, a non-zero exit, no traceback, nothing written."""

from __future__ import annotations

import json
import logging
import re
import socket
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from channelsync.cli import main
from channelsync.cli.sync import EXIT_STOPPED
from channelsync.cli.sync_reconcile import EXIT_DRIFT
from connector.factory import open_source
from connector.retry import RetryPolicy
from connector.sync import run as sync_run
from crm_sandbox.hubspot.testing import HubSpotSandboxHandle, running_hubspot_sandbox
from crm_sandbox.salesforce.testing import SalesforceSandboxHandle, running_salesforce_sandbox
from order_core.actors import Actor
from order_core.db import new_session
from order_core.deals.models import Deal
from order_core.partners.programs import create_program
from order_core.rowbatch import table_of
from order_core.sync.models import SyncCursor, SyncRun
from order_core.sync.pull_requests import request_pull
from order_core.types import utcnow
from tests.e2e.probes import (
    ROOT,
    connections_file,
    count,
    cursor,
    deal_by_crm_id,
    held,
    snapshot,
)

FAST = RetryPolicy(attempts=3, base_wait=0.01, max_wait=0.02, deadline=10)


@dataclass
class Cli:
    """Sandboxes, the connections file and the core database the CLI is pointed at."""

    sf: SalesforceSandboxHandle
    hs: HubSpotSandboxHandle
    engine: Engine
    folder: Path
    monkeypatch: pytest.MonkeyPatch
    capsys: pytest.CaptureFixture[str]

    def run(self, *args: str) -> tuple[int, str, str]:
        """``channelsync ARGS`` in-process: exit status, stdout, stderr."""
        self.monkeypatch.setattr(sys, "argv", ["channelsync", *args])
        with pytest.raises(SystemExit) as exit_info:
            main()
        code = exit_info.value.code
        out = self.capsys.readouterr()
        return (code if isinstance(code, int) else int(code is not None)), out.out, out.err

    def connections(self, text: str) -> Path:
        """Point CHANNELSYNC_CONNECTIONS_FILE at a file with this text."""
        path = self.folder / "other-connections.yaml"
        path.write_text(text, encoding="utf-8")
        self.monkeypatch.setenv("CHANNELSYNC_CONNECTIONS_FILE", str(path))
        return path

    def refused(self, *args: str) -> str:
        """Run a command that must fail on bad input; its one line on stderr."""
        before = snapshot(self.engine)
        runs = count(self.engine, SyncRun)
        code, _out, err = self.run(*args)
        assert code == 1, (code, err)
        assert "Traceback" not in err
        assert err.count("\n") == 1 and err.startswith("error: "), err
        assert snapshot(self.engine) == before and count(self.engine, SyncRun) == runs
        return err.strip()


@pytest.fixture
def cli(
    engine: Engine,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> Iterator[Cli]:
    """Both sandboxes, a connections file naming them, the core on SQLite or PostgreSQL."""
    with new_session(engine) as session:
        admin = Actor.vendor("admin")
        create_program("RESELLER", "Reseller Program", session=session, actor=admin)
        create_program("DISTRIBUTOR", "Distributor Program", session=session, actor=admin)
    with (
        running_salesforce_sandbox(seed=3, records=20) as sf,
        running_hubspot_sandbox(seed=3, records=20) as hs,
    ):
        path, env = connections_file(tmp_path, sf=sf, hs=hs)
        for key, value in env.items():
            monkeypatch.setenv(key, value)
        monkeypatch.setenv("CHANNELSYNC_CONNECTIONS_FILE", str(path))
        monkeypatch.setenv("CHANNELSYNC_DATABASE_URL", engine.url.render_as_string(False))
        monkeypatch.delenv("COLUMNS", raising=False)  # errors stay one line at any width
        monkeypatch.chdir(tmp_path)  # no .env of the developer's
        yield Cli(sf, hs, engine, tmp_path, monkeypatch, capsys)


def test_pull_then_status_then_a_rerun(cli: Cli) -> None:
    cli.monkeypatch.setenv("COLUMNS", "250")  # the report tables, uncut
    code, out, err = cli.run("sync", "pull", "--connection", "acme-sf")
    assert (code, err) == (0, "")
    assert "acme-sf: ok" in out and "Opportunity" in out
    assert count(cli.engine, Deal) == 20
    code, out, _ = cli.run("sync", "pull", "-c", "emea-hs", "--objects", "companies,deals")
    assert code == 0 and "emea-hs: ok" in out
    assert "line_items" not in out and count(cli.engine, Deal) == 40
    code, out, err = cli.run("sync", "status")
    assert (code, err) == (0, "")
    for text in ("acme-sf", "salesforce", "emea-hs", "hubspot", "OpportunityLineItem"):
        assert text in out, text
    assert len(re.findall(r"│ ok \d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ", out)) == 2  # each last run
    saved = cursor(cli.engine, "acme-sf", "Opportunity")
    assert saved is not None and f"{saved[0]:%Y-%m-%d %H:%M:%S}Z {saved[1]}" in out
    assert "line_items" not in out  # never pulled: no cursor
    before = snapshot(cli.engine)
    code, out, _ = cli.run("sync", "pull", "--connection", "acme-sf", "--full")
    assert code == 0 and "acme-sf: ok" in out
    assert snapshot(cli.engine) == before  # read everything again, wrote nothing


def test_children_wait_for_their_parents_and_are_released_by_the_pull(cli: Cli) -> None:
    cli.monkeypatch.setenv("COLUMNS", "250")
    # Deals before their accounts: every deal waits for its parent in the quarantine.
    code, out, _ = cli.run("sync", "pull", "-c", "acme-sf", "--objects", "Opportunity")
    assert code == 0
    waiting = held(cli.engine, "acme-sf")
    assert len(waiting) == 20
    code, out, err = cli.run("sync", "quarantine", "list", "-c", "acme-sf", "--limit", "5")
    assert (code, err) == (0, "")
    assert out.count("waiting for") == 5 and str(waiting[0]["crm_id"]) in out
    code, out, err = cli.run("sync", "status", "-c", "acme-sf")
    assert code == 0 and "│ 20" in out  # the quarantine count
    code, out, _ = cli.run("sync", "pull", "-c", "acme-sf", "--objects", "Account")
    assert code == 0
    assert re.search(r"quarantine retry\s*│\s*20\s*│\s*20", out)  # read 20, created 20
    assert held(cli.engine, "acme-sf") == [] and count(cli.engine, Deal) == 20


def test_quarantine_show_and_retry_under_an_edited_mapping(cli: Cli) -> None:
    cli.monkeypatch.setenv("COLUMNS", "250")
    mapping = cli.folder / "salesforce.yaml"
    shipped = (ROOT / "mappings" / "salesforce.yaml").read_text(encoding="utf-8")
    mapping.write_text(shipped, encoding="utf-8")
    real = (cli.folder / "connections.yaml").read_text(encoding="utf-8")
    cli.connections(real.replace(str(ROOT / "mappings" / "salesforce.yaml"), str(mapping)))
    assert cli.run("sync", "pull", "-c", "acme-sf")[0] == 0
    opp = sorted(cli.sf.app.store.records["Opportunity"])[0]
    cli.sf.app.admin_api.change_record("Opportunity", opp, {"Registration_Status__c": "Withdrawn"})
    code, out, _ = cli.run("sync", "pull", "-c", "acme-sf")
    assert code == 0
    (entry,) = held(cli.engine, "acme-sf")
    code, out, err = cli.run("sync", "quarantine", "show", str(entry["id"]))
    assert (code, err) == (0, "")
    assert f"acme-sf Opportunity {opp} (deal), 1 attempt(s), mapping version 1" in out
    assert "'Withdrawn' is not in the value map of registration_status" in out
    assert '"Registration_Status__c": "Withdrawn"' in out
    # The user adds the new picklist value to the mapping; the retry takes today's file.
    mapping.write_text(
        shipped.replace("Expired: expired}", "Expired: expired, Withdrawn: rejected}"),
        encoding="utf-8",
    )
    code, out, err = cli.run("sync", "quarantine", "retry", "-c", "acme-sf")
    assert (code, err) == (0, "")
    assert "acme-sf: retried 1: 0 created, 1 updated, 0 unchanged, 0 still quarantined" in out
    assert held(cli.engine, "acme-sf") == []
    deal = deal_by_crm_id(cli.engine, "acme-sf", opp)
    assert deal is not None and deal["registration_status"] == "rejected"


def test_a_run_stopped_by_the_budget_exits_75_and_resumes(cli: Cli) -> None:
    cli.sf.app.admin_api.fail_request_limit("queryAll", times=1)
    code, out, err = cli.run("sync", "pull", "-c", "acme-sf")
    assert code == EXIT_STOPPED == 75
    assert err.count("\n") == 1 and err.startswith("stopped: acme-sf:")
    assert "REQUEST_LIMIT_EXCEEDED" in err and "Traceback" not in err
    assert "acme-sf: stopped" in out
    code, out, err = cli.run("sync", "pull", "-c", "acme-sf")
    assert (code, err) == (0, "") and count(cli.engine, Deal) == 20


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_bad_connections_and_mappings_are_one_line_each(cli: Cli) -> None:
    real = (cli.folder / "connections.yaml").read_text(encoding="utf-8")
    err = cli.refused("sync", "pull", "--connection", "nope")
    assert "no connection named nope" in err and "acme-sf, emea-hs" in err

    absent = cli.folder / "absent.yaml"
    cli.monkeypatch.setenv("CHANNELSYNC_CONNECTIONS_FILE", str(absent))
    assert f"{absent}: no such file" in cli.refused("sync", "pull")

    path = cli.connections("connections:\n  acme-sf: [unclosed\n")
    err = cli.refused("sync", "status")
    assert f"{path} line" in err and "not valid YAML" in err

    path = cli.connections(real.replace("    page_size: 200\n", "    page_sise: 200\n"))
    err = cli.refused("sync", "pull")
    assert str(path) in err and "page_sise" in err and re.search(r"line \d+", err)

    literal = real.replace("client_secret_env: E2E_SF_SECRET", "client_secret: hunter2-secret")
    path = cli.connections(literal)
    err = cli.refused("sync", "pull", "-c", "acme-sf")
    line = next(n for n, t in enumerate(literal.splitlines(), 1) if "hunter2-secret" in t)
    where = f"{path} line {line}: connections.acme-sf.auth.client_secret"
    assert f"{where}: a secret is never written in the connections file" in err
    assert "client_secret_env" in err and "hunter2-secret" not in err

    cli.connections(real)
    cli.monkeypatch.delenv("E2E_SF_SECRET")
    err = cli.refused("sync", "pull", "-c", "acme-sf")
    assert "E2E_SF_SECRET" in err and "not set" in err

    cli.monkeypatch.setenv("E2E_SF_SECRET", cli.sf.consumer_secret)
    broken = cli.folder / "broken-mapping.yaml"
    text = (ROOT / "mappings" / "salesforce.yaml").read_text(encoding="utf-8")
    broken.write_text(text.replace("stage: StageName", "stage: {from: StageName, trasform: lower}"))
    cli.connections(real.replace(str(ROOT / "mappings" / "salesforce.yaml"), str(broken)))
    err = cli.refused("sync", "pull", "-c", "acme-sf")
    assert str(broken) in err and "trasform" in err and re.search(r"line \d+", err)

    cli.connections(
        real.replace(
            str(ROOT / "mappings" / "salesforce.yaml"), str(ROOT / "mappings" / "hubspot.yaml")
        )
    )
    err = cli.refused("sync", "pull", "-c", "acme-sf")
    assert "acme-sf is salesforce but its mapping" in err and "is for hubspot" in err

    cli.connections(real)
    err = cli.refused("sync", "pull", "-c", "acme-sf", "--objects", "Account,Lead")
    assert "no object Lead" in err and "--objects" in err

    err = cli.refused("sync", "quarantine", "show", "999")
    assert "quarantine entry 999 not found" in err


@pytest.mark.parametrize("kind", ["salesforce", "hubspot"])
def test_an_unreachable_crm_is_one_line(
    cli: Cli, kind: str, caplog: pytest.LogCaptureFixture
) -> None:
    # A closed port: connection refused, retried by the policy (fast here), then one line.
    cli.monkeypatch.setattr(sync_run, "open_source", lambda conn: open_source(conn, retry=FAST))
    real = (cli.folder / "connections.yaml").read_text(encoding="utf-8")
    url = f"http://127.0.0.1:{_free_port()}"
    name = "acme-sf" if kind == "salesforce" else "emea-hs"
    base = cli.sf.base_url if kind == "salesforce" else cli.hs.base_url
    cli.connections(real.replace(base, url))
    before = snapshot(cli.engine)
    code, _out, err = cli.run("sync", "pull", "-c", name)
    assert code == 1 and "Traceback" not in err
    assert err.count("\n") == 1 and err.startswith(f"error: {name}:"), err
    assert url in err and "check" in err
    # The retries are logged at INFO: nothing but that one line reaches a terminal by default.
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []
    assert snapshot(cli.engine) == before  # the failed run is recorded, no record is written
    assert count(cli.engine, SyncRun) == 1


def test_the_association_refresh_cadence_comes_from_the_connections_file(cli: Cli) -> None:
    real = (cli.folder / "connections.yaml").read_text(encoding="utf-8")
    hourly = real.replace(
        f"    base_url: {cli.hs.base_url}\n",
        f"    base_url: {cli.hs.base_url}\n    associations_full_every_hours: 1\n",
    )
    cursors = table_of(SyncCursor)

    def pull_two_hours_after_the_last_refresh() -> dict[str, int]:
        with cli.engine.begin() as conn:
            conn.execute(
                cursors.update()
                .where(cursors.c.source == "emea-hs")
                .values(full_refresh_at=utcnow() - timedelta(hours=2))
            )
        cli.hs.app.reset_log()
        assert cli.run("sync", "pull", "-c", "emea-hs", "--objects", "companies,deals")[0] == 0
        return cli.hs.app.calls()

    assert cli.run("sync", "pull", "-c", "emea-hs", "--objects", "companies,deals")[0] == 0
    assert "deals.batch.read" not in pull_two_hours_after_the_last_refresh()  # default: 24 h
    cli.connections(hourly)
    assert pull_two_hours_after_the_last_refresh()["deals.batch.read"] == 1  # every hour


def test_sync_pull_serves_webhook_requests_first(cli: Cli) -> None:
    assert cli.run("sync", "pull", "-c", "emea-hs")[0] == 0
    deal = str(cli.hs.app.records("deals")[0].id)
    cli.hs.app.change_record("deals", deal, {"dealname": "Named by a webhook"}, bump=False)
    with new_session(cli.engine) as session:
        request_pull("emea-hs", "deals", [deal], session=session, actor=Actor.vendor("admin"), notifications=1)  # fmt: skip

    code, out, err = cli.run("sync", "pull", "-c", "emea-hs")

    assert (code, err) == (0, "")
    assert "emea-hs: 1 pull request(s) from webhooks: 1 read, 0 created, 1 updated" in out
    row = deal_by_crm_id(cli.engine, "emea-hs", deal)
    assert row is not None and row["name"] == "Named by a webhook"
    assert "pull request" not in cli.run("sync", "pull", "-c", "emea-hs")[1]  # served once


def test_reconcile_reports_drift_with_ids_exits_3_and_repairs(cli: Cli) -> None:
    cli.monkeypatch.setenv("COLUMNS", "250")
    assert cli.run("sync", "pull", "-c", "acme-sf")[0] == 0
    code, out, err = cli.run("sync", "reconcile", "-c", "acme-sf")
    assert (code, err) == (0, "") and "acme-sf: in sync" in out
    store = cli.sf.app.store.records["Opportunity"]
    opp = sorted(str(r["Id"]) for r in store.values() if not r["IsDeleted"])[0]
    cli.sf.app.admin_api.change_record("Opportunity", opp, {"Name": "Edited behind the core"})

    code, out, err = cli.run("sync", "reconcile", "-c", "acme-sf")

    assert (code, err) == (EXIT_DRIFT, "") and EXIT_DRIFT == 3
    assert "acme-sf: 1 drifted" in out and f"Opportunity stale: {opp}\n" in out
    code, out, err = cli.run("sync", "reconcile", "-c", "acme-sf", "--repair", "--json")
    assert (code, err) == (0, "")
    [report] = json.loads(out)
    assert (report["drift"], report["unrepaired"], report["repair"]) == (1, 0, True)
    assert report["objects"]["Opportunity"]["ids"] == {"stale": [opp]}
    deal = deal_by_crm_id(cli.engine, "acme-sf", opp)
    assert deal is not None and deal["name"] == "Edited behind the core"
    assert cli.run("sync", "reconcile", "-c", "acme-sf")[0] == 0

    # A value the mapping refuses: drift the repair cannot mend; the record goes to the quarantine.
    refused = sorted(str(r["Id"]) for r in store.values() if not r["IsDeleted"])[1]
    cli.sf.app.admin_api.change_record(
        "Opportunity", refused, {"Registration_Status__c": "Withdrawn"}
    )
    code, out, err = cli.run("sync", "reconcile", "-c", "acme-sf", "--repair", "--json")
    assert (code, err) == (EXIT_DRIFT, "")
    [report] = json.loads(out)
    assert (report["drift"], report["unrepaired"]) == (1, 1)
    assert report["objects"]["Opportunity"]["ids"] == {"stale": [refused]}
    assert [e["crm_id"] for e in held(cli.engine, "acme-sf")] == [refused]
    code, out, _ = cli.run("sync", "reconcile", "-c", "acme-sf", "--json")
    [report] = json.loads(out)
    assert code == 0 and report["drift"] == 0
    assert report["objects"]["Opportunity"]["quarantined"] == 1
    err = cli.refused("sync", "reconcile", "-c", "nope")
    assert "no connection named nope" in err
