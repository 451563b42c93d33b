"""End to end: `channelsync ui` on 127.0.0.1, its GraphQL API, a sync run launched and read back."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from order_core.actors import Actor
from order_core.db import make_engine, new_session
from order_core.models import metadata
from order_core.partners.programs import create_program
from tests.e2e.conftest import Sandboxes, write_connections
from tests.smtp_sink import free_port

ROOT = Path(__file__).resolve().parents[2]
OVERVIEW = """
{
  repositoriesOrError { ... on RepositoryConnection { nodes {
    name location { name }
    jobs { name }
    schedules { name cronSchedule executionTimezone }
    sensors { name }
  } } }
  assetNodes { assetKey { path } groupName
    assetChecksOrError { ... on AssetChecks { checks { name } } } }
}
"""
LAUNCH = """
mutation($selector: JobOrPipelineSelector!) {
  launchRun(executionParams: {selector: $selector}) {
    __typename
    ... on LaunchRunSuccess { run { runId } }
    ... on PythonError { message }
    ... on RunConfigValidationInvalid { errors { message } }
  }
}
"""
RUN = """
query($runId: ID!) { runOrError(runId: $runId) { ... on Run { status } } }
"""
MATERIALIZATION = """
query($path: [String!]!) { assetOrError(assetKey: {path: $path}) { ... on Asset {
  assetMaterializations(limit: 1) { runId metadataEntries { label
    ... on IntMetadataEntry { intValue }
    ... on TextMetadataEntry { text } } }
} } }
"""


class Ui:
    """The running UI: GraphQL at ``url``."""

    def __init__(self, url: str) -> None:
        self.url = url

    def ask(self, query: str, **variables: Any) -> dict[str, Any]:
        answer = httpx.post(
            f"{self.url}/graphql", json={"query": query, "variables": variables}, timeout=60
        )
        answer.raise_for_status()
        body = answer.json()
        assert "errors" not in body, body["errors"]
        data: dict[str, Any] = body["data"]
        return data


@pytest.fixture
def ui(tmp_path: Path, sandboxes: Sandboxes) -> Iterator[Ui]:
    """`channelsync ui` against both sandboxes and a fresh SQLite core, stopped by SIGTERM."""
    url = f"sqlite:///{tmp_path / 'core.db'}"
    engine = make_engine(url)
    metadata.create_all(engine)
    with new_session(engine) as session:
        create_program("RESELLER", "Reseller Program", session=session, actor=Actor.vendor("a"))
        create_program("DISTRIBUTOR", "Distributors", session=session, actor=Actor.vendor("a"))
    engine.dispose()
    path, secrets = write_connections(tmp_path, sandboxes)
    port = free_port()
    env = {
        **os.environ,
        **secrets,
        "CHANNELSYNC_CONNECTIONS_FILE": str(path),
        "CHANNELSYNC_DATABASE_URL": url,
        "CHANNELSYNC_DAGSTER_HOME": str(tmp_path / "dagster"),
    }
    command = [str(Path(sys.executable).parent / "channelsync"), "ui", "--port", str(port)]
    proc = subprocess.Popen(command, env=env, cwd=ROOT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            assert proc.poll() is None, "channelsync ui exited"
            try:
                if httpx.get(f"{base}/server_info", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            time.sleep(0.5)
        yield Ui(base)
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=90) == 0
    with pytest.raises(httpx.TransportError):
        httpx.get(f"{base}/server_info", timeout=2)  # nothing listens any more
    assert not list(ROOT.glob(".tmp_dagster_home_*"))
    assert (tmp_path / "dagster" / "history").is_dir()  # the runs stayed on the instance
    assert "default_limit: 1" in (tmp_path / "dagster" / "dagster.yaml").read_text(encoding="utf-8")


def _wait(ui: Ui, run_id: str) -> str:
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        status = str(ui.ask(RUN, runId=run_id)["runOrError"]["status"])
        if status in ("SUCCESS", "FAILURE", "CANCELED"):
            return status
        time.sleep(1)
    raise AssertionError(f"run {run_id} did not finish")


def test_the_ui_lists_everything_and_runs_a_sync(ui: Ui) -> None:
    overview = ui.ask(OVERVIEW)
    (repo,) = overview["repositoriesOrError"]["nodes"]
    jobs = {j["name"] for j in repo["jobs"]}
    assert {"sync_job", "reconcile_job", "push_job", "prm_delivery_job", "expiry_job"} <= jobs
    assert {"resync_deal_acme_sf", "resync_deal_emea_hs"} <= jobs
    schedules = {s["name"]: s for s in repo["schedules"]}
    assert schedules["sync_schedule"]["cronSchedule"] == "*/15 * * * *"
    assert schedules["expiry_schedule"]["executionTimezone"] == "UTC"
    assert {s["name"] for s in repo["sensors"]} == {
        "quote_requests",
        "prm_outbox",
        "crm_outbox",
        "mail_admins_on_failure",
    }
    nodes = {tuple(n["assetKey"]["path"]): n for n in overview["assetNodes"]}
    deals = nodes[("crm", "acme_sf", "Opportunity")]
    assert deals["groupName"] == "acme_sf"
    assert {c["name"] for c in deals["assetChecksOrError"]["checks"]} == {
        "quarantine_below_threshold",
        "cursor_fresh",
        "reconciliation_drift_zero",
    }
    assert ("quotes", "emea_hs") in nodes and ("prm", "webhooks") in nodes

    selector = {
        "repositoryLocationName": repo["location"]["name"],
        "repositoryName": repo["name"],
        "jobName": "sync_job",
    }
    launched = ui.ask(LAUNCH, selector=selector)["launchRun"]
    assert launched["__typename"] == "LaunchRunSuccess", launched
    run_id = launched["run"]["runId"]
    assert _wait(ui, run_id) == "SUCCESS"

    found = ui.ask(MATERIALIZATION, path=["crm", "acme_sf", "Opportunity"])
    (mat,) = found["assetOrError"]["assetMaterializations"]
    assert mat["runId"] == run_id
    figures = {e["label"]: e.get("intValue", e.get("text")) for e in mat["metadataEntries"]}
    assert figures["read"] > 0 and figures["created"] > 0 and figures["api_calls"] > 0
    assert figures["status"] == "ok" and figures["cursor"]
