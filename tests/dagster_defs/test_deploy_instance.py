"""deploy/dagster.yaml: pools of one step per CRM connection, the run queue, and a job run on it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import psycopg
import pytest
import yaml
from sqlalchemy.engine import Engine, make_url

from dagster_defs.expiry import expiry_job
from dagster_defs.naming import pool
from dagster_defs.resources import CoreDatabase
from tests.dagster_defs.conftest import Orchestra
from tests.pg import PG_ADMIN_DSN, create_database, drop_database, pg_available

DEPLOY = Path(__file__).resolve().parents[2] / "deploy" / "dagster.yaml"


@pytest.fixture
def dagster_pg(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A throwaway PostgreSQL database for Dagster's storage, named by the DAGSTER_PG_* variables
    deploy/dagster.yaml reads (dropped afterwards)."""
    if not pg_available():
        pytest.skip("PostgreSQL is not answering: Dagster's PostgreSQL storage NOT tested")
    name, url = create_database("channelsync_dagster")
    parts = make_url(url)
    for key, value in {
        "DAGSTER_PG_HOST": parts.host or "127.0.0.1",
        "DAGSTER_PG_PORT": str(parts.port or 5432),
        "DAGSTER_PG_DB": name,
        "DAGSTER_PG_USERNAME": parts.username or "postgres",
        "DAGSTER_PG_PASSWORD": parts.password or "",
    }.items():
        monkeypatch.setenv(key, value)
    yield name
    drop_database(name)


def _instance_home(tmp_path: Path) -> Path:
    """The deployment's instance settings, exactly as shipped, in a DAGSTER_HOME of the test's."""
    data = yaml.safe_load(DEPLOY.read_text(encoding="utf-8"))
    assert set(data["storage"]["postgres"]["postgres_db"]) >= {"hostname", "db_name", "password"}
    settings = data["storage"]["postgres"]["postgres_db"]
    assert all("env" in v for k, v in settings.items() if k != "scheme")  # no literal secret
    (tmp_path / "dagster.yaml").write_text(DEPLOY.read_text(encoding="utf-8"), encoding="utf-8")
    return tmp_path


def test_the_deployment_queues_runs_and_gives_each_connection_one_slot(
    tmp_path: Path, engine: Engine, dagster_pg: str
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
        assert type(instance.run_storage).__name__ == "PostgresRunStorage"
        assert type(instance.event_log_storage).__name__ == "PostgresEventLogStorage"
        assert type(instance.schedule_storage).__name__ == "PostgresScheduleStorage"
    finally:
        instance.dispose()
    # The run is in PostgreSQL, not in the instance's folder: a new instance reads it back.
    with psycopg.connect(f"{PG_ADMIN_DSN.rsplit('/', 1)[0]}/{dagster_pg}") as conn:
        runs = conn.execute("SELECT run_id, status FROM runs").fetchall()
    assert runs == [(result.run_id, "SUCCESS")]


def test_every_step_that_calls_a_crm_is_in_its_connection_pool(orchestra: Orchestra) -> None:
    repo = orchestra.defs.get_repository_def()
    pools = {}
    for job in repo.get_all_jobs():
        for node in job.graph.node_defs:
            if isinstance(node, dg.OpDefinition) and node.pool:
                pools[node.name] = node.pool
    assert pools["pull_acme_sf"] == pools["resync_records_acme_sf"] == pool("acme-sf")
    assert pools["pull_emea_hs"] == pools["resync_records_emea_hs"] == pool("emea-hs")
