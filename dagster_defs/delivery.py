"""PRM webhook delivery: the asset that drains due ``prm.webhook`` events to the partners' PRMs."""

from dataclasses import asdict

import dagster as dg
from dagster import AssetExecutionContext

from connector.push.drain import drain
from connector.push.prm_webhook import PrmWebhookSender
from dagster_defs.metadata import plain
from dagster_defs.naming import DELIVERY_GROUP, OWNERS, PRM_WEBHOOKS
from dagster_defs.resources import CoreDatabase, PrmWebhooks
from dagster_defs.retries import DELIVERY_RETRY


@dg.asset(
    key=PRM_WEBHOOKS,
    group_name=DELIVERY_GROUP,
    kinds={"webhook"},
    owners=OWNERS,
    retry_policy=DELIVERY_RETRY,
    description=(
        "Signed webhooks to the partners' PRMs: due prm.webhook events POSTed to each partner's "
        "endpoint; a failure retries with backoff and becomes a dead letter after the limit. "
        "Metadata: events delivered, skipped (no endpoint), to retry, dead letters, requests."
    ),
)
def prm_webhooks(
    context: AssetExecutionContext, database: CoreDatabase, prm: PrmWebhooks
) -> dg.MaterializeResult[None]:
    with database.engine() as engine:
        sender = PrmWebhookSender(engine, timeout=prm.timeout_seconds)
        report = drain(engine, sender, max_events=prm.max_events)
    if report.error:
        context.log.warning(f"PRM webhooks: {report.error}; those events are retried later")
    return dg.MaterializeResult(metadata=plain({**asdict(report), "failed": report.failed}))


prm_delivery_job = dg.define_asset_job(
    "prm_delivery_job",
    selection=dg.AssetSelection.assets(PRM_WEBHOOKS),
    description="Deliver due PRM webhook events.",
)
