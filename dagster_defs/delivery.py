"""PRM webhook delivery: the asset that drains due ``prm.webhook`` events to the partners' PRMs."""

from dataclasses import asdict

import dagster as dg
from dagster import AssetExecutionContext

from connector.push.drain import drain
from connector.push.prm_webhook import TOPIC, PrmWebhookSender
from dagster_defs.metadata import dead_letters_table, plain
from dagster_defs.naming import ACTOR, DELIVERY_GROUP, OWNERS, PRM_WEBHOOKS
from dagster_defs.resources import CoreDatabase, PrmWebhooks
from dagster_defs.retries import DELIVERY_RETRY
from order_core.db import session_scope
from order_core.outbox.dead_letters import list_dead_letters


@dg.asset(
    key=PRM_WEBHOOKS,
    group_name=DELIVERY_GROUP,
    kinds={"webhook"},
    owners=OWNERS,
    retry_policy=DELIVERY_RETRY,
    description=(
        "Signed webhooks to the partners' PRMs: due prm.webhook events POSTed to each partner's "
        "endpoint; a failure retries with backoff and becomes a dead letter after the limit. "
        "Metadata: events delivered, skipped (no endpoint), to retry, dead-lettered, requests, "
        "and a table of the oldest dead letters."
    ),
)
def prm_webhooks(
    context: AssetExecutionContext, database: CoreDatabase, prm: PrmWebhooks
) -> dg.MaterializeResult[None]:
    with database.engine() as engine:
        sender = PrmWebhookSender(engine, timeout=prm.timeout_seconds)
        report = drain(engine, sender, max_events=prm.max_events)
        with session_scope(engine) as session:
            dead = list_dead_letters(session=session, actor=ACTOR, topic_prefix=TOPIC)
    if report.error:
        context.log.warning(f"PRM webhooks: {report.error}; those events are retried later")
    figures = plain({**asdict(report), "failed": report.failed})
    return dg.MaterializeResult(metadata={**figures, "dead_letters": dead_letters_table(dead)})


prm_delivery_job = dg.define_asset_job(
    "prm_delivery_job",
    selection=dg.AssetSelection.assets(PRM_WEBHOOKS),
    description="Deliver due PRM webhook events.",
)
