"""Sensors and schedules: quote requests per deal and stamp, due PRM webhooks, failed runs mailed."""

from __future__ import annotations

from datetime import UTC, datetime

import dagster as dg
import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from connector.sync.run import pull_connection
from dagster_defs.definitions import build_defs
from dagster_defs.expiry import expiry_job
from dagster_defs.quotes import quote_deal_job
from dagster_defs.resources import CoreDatabase, SmtpServer
from dagster_defs.sensors import mail_admins_on_failure, prm_outbox_sensor, quote_request_sensor
from order_core.db import session_scope
from order_core.deals.models import Deal
from order_core.outbox import emit_event
from order_core.settings import CoreSettings
from order_core.staff.models import VendorUser
from tests.dagster_defs.conftest import Orchestra
from tests.smtp_sink import Sink, text_part


def _tick(
    sensor: dg.SensorDefinition, db: CoreDatabase, cursor: str | None, instance: dg.DagsterInstance
) -> tuple[list[dg.RunRequest], str | None]:
    context = dg.build_sensor_context(instance=instance, cursor=cursor, resources={"database": db})
    result = sensor.evaluate_tick(context)
    return list(result.run_requests or []), result.cursor


def test_quote_requests_one_run_per_deal_and_stamp(orchestra: Orchestra) -> None:
    sensor = quote_request_sensor(["acme-sf", "emea-hs"])
    pull_connection("acme-sf", orchestra.engine, connections=orchestra.connections)
    with dg.instance_for_test() as instance:
        first, cursor = _tick(sensor, orchestra.database, None, instance)
        with Session(orchestra.engine) as session:
            flagged = session.exec(
                select(Deal).where(col(Deal.quote_requested).is_(True), Deal.source == "acme-sf")
            ).all()
        assert len(first) == len(flagged) > 1
        assert {r.run_key for r in first} == {
            f"acme-sf:{d.id}:{d.crm_modified_at.isoformat() if d.crm_modified_at else '-'}"
            for d in flagged
        }
        deal_id = first[0].run_config["ops"]["quote_one_deal"]["config"]["deal_id"]
        run = quote_deal_job.execute_in_process(
            run_config=first[0].run_config,
            resources={"database": orchestra.database},
            instance=instance,
        )
        assert run.success and run.output_for_node("quote_one_deal") in ("quoted", "refused")

        second, cursor = _tick(sensor, orchestra.database, cursor, instance)
        assert deal_id not in {
            r.run_config["ops"]["quote_one_deal"]["config"]["deal_id"] for r in second
        }  # handled at its stamp: never asked for again

        quiet = next(d for d in _deals(orchestra) if not d.quote_requested)
        orchestra.sandboxes.sf.client().Opportunity.update(
            quiet.crm_id, {"Quote_Requested__c": True}
        )
        pull_connection("acme-sf", orchestra.engine, connections=orchestra.connections)
        third, _ = _tick(sensor, orchestra.database, cursor, instance)
        fresh = next(d for d in _deals(orchestra) if d.id == quiet.id)
        assert fresh.crm_modified_at is not None
        assert f"acme-sf:{quiet.id}:{fresh.crm_modified_at.isoformat()}" in {
            r.run_key for r in third
        }


def _deals(orchestra: Orchestra) -> list[Deal]:
    with Session(orchestra.engine) as session:
        return list(
            session.exec(select(Deal).where(Deal.source == "acme-sf").order_by(col(Deal.id)))
        )


def test_due_prm_webhooks_ask_for_one_delivery_run(orchestra: Orchestra) -> None:
    with dg.instance_for_test() as instance:
        idle, _ = _tick(prm_outbox_sensor, orchestra.database, None, instance)
        assert idle == []
        with session_scope(orchestra.engine) as session:
            event = emit_event(session, "prm.webhook", "order", "SO-1", {"kind": "order.created"})
            session.commit()
        due, _ = _tick(prm_outbox_sensor, orchestra.database, None, instance)
        again, _ = _tick(prm_outbox_sensor, orchestra.database, None, instance)
        assert len(due) == 1 and due[0].run_key is not None
        assert due[0].run_key.startswith(f"prm:{event.id}:")
        assert [r.run_key for r in again] == [due[0].run_key]  # the same backlog, the same run


def test_a_failed_run_mails_the_admins(
    engine: Engine, smtp: tuple[Sink, CoreSettings], monkeypatch: pytest.MonkeyPatch
) -> None:
    sink, settings = smtp
    monkeypatch.setenv("CHANNELSYNC_DAGSTER_ADMIN_EMAILS", "ops@vendor.example")
    with session_scope(engine) as session:
        session.add(
            VendorUser(login="root", name="Root", email="root@vendor.example", roles="admin")
        )
        session.add(
            VendorUser(login="desk", name="Desk", email="desk@vendor.example", roles="pricing_desk")
        )
        session.commit()
    broken = CoreDatabase(url="sqlite:////nonexistent-folder/core.db")
    with dg.instance_for_test() as instance:
        failed = expiry_job.execute_in_process(
            resources={"database": broken}, instance=instance, raise_on_error=False
        )
        assert not failed.success
        context = dg.build_run_status_sensor_context(
            sensor_name="mail_admins_on_failure",
            dagster_event=failed.get_run_failure_event(),
            dagster_instance=instance,
            dagster_run=failed.dagster_run,
            resources={
                "database": CoreDatabase(url=engine.url.render_as_string(hide_password=False)),
                "smtp": SmtpServer(host=settings.smtp_host, port=settings.smtp_port),
            },
        ).for_run_failure()
        mail_admins_on_failure(context)
    assert len(sink.messages) == 1
    mail = sink.messages[0]
    assert mail.rcpt == ["ops@vendor.example", "root@vendor.example"]
    assert "expiry_job failed" in str(mail.message["Subject"])
    assert failed.dagster_run.run_id in text_part(mail.message)


def test_schedules_take_cron_and_time_zone_from_settings(
    orchestra: Orchestra, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CHANNELSYNC_DAGSTER_TIMEZONE", "Europe/Berlin")
    monkeypatch.setenv("CHANNELSYNC_DAGSTER_SYNC_CRON", "*/5 * * * *")
    defs = build_defs(orchestra.connections, str(orchestra.connections_file), orchestra.database)
    sync = defs.get_schedule_def("sync_schedule")
    expiry = defs.get_schedule_def("expiry_schedule")
    assert (sync.cron_schedule, sync.execution_timezone) == ("*/5 * * * *", "Europe/Berlin")
    assert (expiry.cron_schedule, expiry.execution_timezone) == ("0 * * * *", "Europe/Berlin")
    when = datetime(2026, 12, 7, 9, 15, tzinfo=UTC)
    context = dg.build_schedule_context(scheduled_execution_time=when)
    requests = sync.evaluate_tick(context).run_requests or []
    assert len(requests) == 1 and sync.job_name == "sync_job"
