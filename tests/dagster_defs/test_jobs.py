"""Delivery, expiry and re-sync: the assets and jobs run, and their checks judge the outbox."""

from __future__ import annotations

import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import dagster as dg
from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from dagster_defs.checks import dead_letter_check, outbox_lag_check
from dagster_defs.delivery import prm_webhooks
from dagster_defs.expiry import expiry_job
from dagster_defs.naming import PRM_WEBHOOKS
from dagster_defs.resources import CoreDatabase, PrmWebhooks
from order_core.db import session_scope
from order_core.deals.models import Deal
from order_core.outbox import emit_event
from order_core.outbox.models import DEAD, OutboxEvent
from order_core.sync.cursors import read_cursor
from order_core.types import utcnow
from tests.dagster_defs.conftest import Orchestra

ROOT = Path(__file__).resolve().parents[2]


def _database(engine: Engine) -> CoreDatabase:
    return CoreDatabase(url=engine.url.render_as_string(hide_password=False))


def _figures(result: dg.ExecuteInProcessResult) -> dict[str, Any]:
    (event,) = result.get_asset_materialization_events()
    return {k: v.value for k, v in event.materialization.metadata.items()}


def test_prm_delivery_and_its_outbox_checks(engine: Engine) -> None:
    checks = [
        dead_letter_check(PRM_WEBHOOKS, "prm.webhook"),
        outbox_lag_check(PRM_WEBHOOKS, "prm.webhook"),
    ]
    resources = {"database": _database(engine), "prm": PrmWebhooks(timeout_seconds=2)}
    calm = dg.materialize([prm_webhooks, *checks], resources=resources)
    assert calm.success and _figures(calm)["delivered"] == 0
    assert all(e.passed for e in calm.get_asset_check_evaluations())

    with session_scope(engine) as session:
        skipped = emit_event(session, "prm.webhook", "order", "SO-1", {"kind": "order.created"})
        dead = emit_event(session, "prm.webhook", "order", "SO-2", {"kind": "order.created"})
        late = emit_event(session, "prm.webhook", "order", "SO-3", {"kind": "order.created"})
        session.flush()
        dead.status, dead.last_error, dead.attempts = DEAD, "HTTP 410 from the PRM", 8
        late.next_attempt_at = utcnow() + timedelta(hours=1)  # backing off: not due yet
        session.commit()
    with Session(engine) as session:  # the backed-off event has waited two hours
        session.execute(
            update(OutboxEvent)
            .where(col(OutboxEvent.id) == late.id)
            .values(created_at=utcnow() - timedelta(hours=2))
        )
        session.commit()

    run = dg.materialize([prm_webhooks, *checks], resources=resources)
    figures = _figures(run)
    assert (figures["skipped"], figures["delivered"]) == (1, 0)  # partner without an endpoint
    assert "HTTP 410 from the PRM" in figures["dead_letters"]
    with Session(engine) as session:
        assert session.get(OutboxEvent, skipped.id).status == "skipped"  # type: ignore[union-attr]
    judged = {e.check_name: e for e in run.get_asset_check_evaluations()}
    assert not judged["no_dead_letters"].passed
    table = judged["no_dead_letters"].metadata["oldest"].value
    assert "HTTP 410 from the PRM" in str(table)
    assert not judged["outbox_lag"].passed
    assert judged["outbox_lag"].metadata["pending"].value == 1


def test_expiry_job_reports_what_it_expired(engine: Engine) -> None:
    result = expiry_job.execute_in_process(resources={"database": _database(engine)})
    assert result.success
    assert result.output_for_node("expire_quotes_and_approvals") == 0
    (event,) = [e for e in result.all_node_events if e.event_type_value == "STEP_OUTPUT"]
    assert event.step_output_data.metadata["quotes"].value == 0


def test_resync_one_deal_by_crm_id_leaves_the_cursor(orchestra: Orchestra) -> None:
    from connector.sync.run import pull_connection

    pull_connection("acme-sf", orchestra.engine, connections=orchestra.connections)
    with Session(orchestra.engine) as session:
        deal = session.exec(select(Deal).where(Deal.source == "acme-sf")).first()
        cursor = read_cursor(session, "acme-sf", "Opportunity")
    assert deal is not None
    orchestra.sandboxes.sf.client().Opportunity.update(deal.crm_id, {"Name": "Renamed in the CRM"})
    job = orchestra.defs.resolve_job_def("resync_deal_acme_sf")
    config = {"ops": {"resync_records_acme_sf": {"config": {"crm_ids": [deal.crm_id]}}}}
    result = job.execute_in_process(run_config=config)
    assert result.success and result.output_for_node("resync_records_acme_sf") == 1
    with Session(orchestra.engine) as session:
        assert session.get(Deal, deal.id).name == "Renamed in the CRM"  # type: ignore[union-attr]
        assert read_cursor(session, "acme-sf", "Opportunity") == cursor


def test_definitions_validate_on_a_fresh_install(tmp_path: Path) -> None:
    env = {"DAGSTER_HOME": str(tmp_path), "PATH": str(Path(sys.executable).parent)}
    done = subprocess.run(
        [
            str(Path(sys.executable).parent / "dagster"),
            "definitions",
            "validate",
            "-w",
            "workspace.yaml",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "All code locations passed validation" in done.stderr + done.stdout


def test_a_resync_of_an_unmapped_object_fails_at_once(orchestra: Orchestra) -> None:
    job = orchestra.defs.resolve_job_def("resync_deal_acme_sf")
    config = {
        "ops": {"resync_records_acme_sf": {"config": {"crm_ids": ["x"], "crm_object": "Lead"}}}
    }
    result = job.execute_in_process(run_config=config, raise_on_error=False)
    assert not result.success
    kinds = [e.event_type_value for e in result.all_events]
    assert "STEP_UP_FOR_RETRY" not in kinds  # retrying cannot fix a run config
    (failure,) = [e for e in result.all_events if e.event_type_value == "STEP_FAILURE"]
    assert "the mapping has no object Lead" in str(failure.event_specific_data)
