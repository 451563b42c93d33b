"""Sensors: quote requests (one run per deal and stamp), due PRM webhooks, and failed runs."""

import json
from collections.abc import Sequence
from datetime import datetime

import dagster as dg
from dagster import RunFailureSensorContext, SensorEvaluationContext

from connector.push.prm_webhook import TOPIC as PRM_TOPIC
from dagster_defs.delivery import prm_delivery_job
from dagster_defs.naming import ACTOR
from dagster_defs.quotes import quote_deal_job
from dagster_defs.resources import CoreDatabase, SmtpServer
from dagster_defs.settings import DagsterSettings
from order_core.db import session_scope
from order_core.notifications.admin_mail import mail_admins
from order_core.outbox.backlog import outbox_backlog
from order_core.quotes.from_deals import requested_deal_stamps


def quote_request_sensor(connections: Sequence[str]) -> dg.SensorDefinition:
    """Deals flagged "quote requested" since the sensor's cursor (per connection), from the core."""

    @dg.sensor(
        name="quote_requests",
        job=quote_deal_job,
        minimum_interval_seconds=60,
        description="A run of quote_deal_job per quote-requested deal and CRM stamp (the run "
        "key), for deals the pull brought since the sensor's cursor.",
    )
    def _sensor(context: SensorEvaluationContext, database: CoreDatabase) -> dg.SensorResult:
        cursor: dict[str, str] = json.loads(context.cursor or "{}")
        runs: list[dg.RunRequest] = []
        with database.engine() as engine, session_scope(engine) as session:
            for name in connections:
                since = datetime.fromisoformat(cursor[name]) if name in cursor else None
                found = requested_deal_stamps(session, name, since)
                for deal_id, stamp in found:
                    runs.append(
                        dg.RunRequest(
                            run_key=f"{name}:{deal_id}:{stamp.isoformat() if stamp else '-'}",
                            run_config={
                                "ops": {"quote_one_deal": {"config": {"deal_id": deal_id}}}
                            },
                            tags={"channelsync/connection": name, "channelsync/deal": str(deal_id)},
                        )
                    )
                stamps = [stamp for _, stamp in found if stamp is not None]
                if stamps:
                    cursor[name] = max(stamps).isoformat()
        return dg.SensorResult(run_requests=runs, cursor=json.dumps(cursor, sort_keys=True))

    return _sensor


@dg.sensor(
    name="prm_outbox",
    job=prm_delivery_job,
    minimum_interval_seconds=30,
    description="A PRM delivery run when prm.webhook events are due (run key: the first due "
    "event and when it fell due, so one backlog asks for one run).",
)
def prm_outbox_sensor(
    context: SensorEvaluationContext, database: CoreDatabase
) -> dg.RunRequest | dg.SkipReason:
    with database.engine() as engine, session_scope(engine) as session:
        backlog = outbox_backlog(session=session, actor=ACTOR, topic_prefix=PRM_TOPIC)
    if not backlog.due or backlog.first_due_at is None:
        return dg.SkipReason("no PRM webhook event is due")
    return dg.RunRequest(run_key=f"prm:{backlog.first_due_id}:{backlog.first_due_at.isoformat()}")


@dg.run_failure_sensor(
    name="mail_admins_on_failure",
    description="E-mails the vendor admins (and CHANNELSYNC_DAGSTER_ADMIN_EMAILS) when a run fails.",
)
def mail_admins_on_failure(
    context: RunFailureSensorContext, database: CoreDatabase, smtp: SmtpServer
) -> None:
    run = context.dagster_run
    subject = f"channelsync: {run.job_name} failed (run {run.run_id[:8]})"
    body = (
        f"The Dagster run {run.run_id} of {run.job_name} failed.\n\n"
        f"{context.failure_event.message}\n\n"
        "Open the run in the Dagster UI (Runs) for its logs and metadata.\n"
    )
    extra = DagsterSettings().admin_addresses()
    with database.engine() as engine, session_scope(engine) as session:
        mail_admins(subject, body, session=session, settings=smtp.settings(), extra=extra)
