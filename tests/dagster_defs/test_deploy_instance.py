"""deploy/dagster.yaml: pools of one step per CRM connection, the run queue, and a job run on it."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import yaml
from sqlalchemy.engine import Engine

from dagster_defs.expiry import expiry_job
from dagster_defs.naming import pool
from dagster_defs.resources import CoreDatabase
from tests.dagster_defs.conftest import Orchestra

DEPLOY = Path(__file__).resolve().parents[2] / "deploy" / "dagster.yaml"


def _instance_home(tmp_path: Path) -> Path:
    """The deployment's instance settings, with the local storage instead of PostgreSQL (the
    dagster-postgres release matching this Dagster is not published yet: see the README)."""
    data = yaml.safe_load(DEPLOY.read_text(encoding="utf-8"))
    assert set(data["storage"]["postgres"]["postgres_db"]) >= {"hostname", "db_name", "password"}
    assert all("env" in v for v in data["storage"]["postgres"]["postgres_db"].values())
    data.pop("storage")
    (tmp_path / "dagster.yaml").write_text(yaml.safe_dump(data), encoding="utf-8")
    return tmp_path


def test_the_deployment_queues_runs_and_gives_each_connection_one_slot(
    tmp_path: Path, engine: Engine
) -> None:
    instance = dg.DagsterInstance.from_config(str(_instance_home(tmp_path)))
    try:
        config = instance.get_concurrency_config()
        assert config.pool_config.default_pool_limit == 1
        assert config.run_queue_config is not None
        limits = config.run_queue_config.tag_concurrency_limits
        assert {"key": "channelsync/connection", "limit": 1} in [
            {"key": t["key"], "limit": t["limit"]} for t in limits
        ]
        assert type(instance.run_coordinator).__name__ == "QueuedRunCoordinator"
        url = engine.url.render_as_string(hide_password=False)
        result = expiry_job.execute_in_process(
            resources={"database": CoreDatabase(url=url)}, instance=instance
        )
        assert result.success
        stored = instance.get_run_by_id(result.run_id)
        assert stored is not None and stored.is_success
    finally:
        instance.dispose()


def test_every_step_that_calls_a_crm_is_in_its_connection_pool(orchestra: Orchestra) -> None:
    repo = orchestra.defs.get_repository_def()
    pools = {}
    for job in repo.get_all_jobs():
        for node in job.graph.node_defs:
            if isinstance(node, dg.OpDefinition) and node.pool:
                pools[node.name] = node.pool
    assert pools["pull_acme_sf"] == pools["resync_records_acme_sf"] == pool("acme-sf")
    assert pools["pull_emea_hs"] == pools["resync_records_emea_hs"] == pool("emea-hs")
