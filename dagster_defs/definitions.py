"""The Dagster ``Definitions`` that ``workspace.yaml`` loads, built from the connections file.

Each connection of the file (default: the two local sandboxes) gets its group of assets (one per
mapped CRM object, and the quotes for its quote-requested deals), its checks, its re-sync job, its
resource and its pool: adding a connection is adding a file entry.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

import dagster as dg

from connector.connections import Connection
from connector.push.prm_webhook import TOPIC as PRM_TOPIC
from connector.settings import ConnectorSettings
from connector.sync.run import SetupError, configured
from dagster_defs.checks import dead_letter_check, outbox_lag_check, sync_checks
from dagster_defs.delivery import prm_delivery_job, prm_webhooks
from dagster_defs.expiry import expiry_job
from dagster_defs.naming import PRM_WEBHOOKS, crm_resource, ident, object_key, quotes_key
from dagster_defs.periodic import (
    commissions,
    commissions_job,
    commissions_schedule,
    renewals,
    renewals_job,
    renewals_schedule,
)
from dagster_defs.pulls import pull_assets
from dagster_defs.push import crm_outbox_sensor, push_asset, push_job, push_key
from dagster_defs.quotes import quote_deal_job, quotes_asset
from dagster_defs.reconcile import drift_check
from dagster_defs.resources import CoreDatabase, CrmConnection, PrmWebhooks, SmtpServer
from dagster_defs.resync import resync_job
from dagster_defs.schedules import schedules
from dagster_defs.schema import upgrade_schema_job
from dagster_defs.sensors import mail_admins_on_failure, prm_outbox_sensor, quote_request_sensor
from mappings import load_mapping
from order_core.pushback.fanout import connection_prefix

SMTP_PASSWORD = "CHANNELSYNC_SMTP_PASSWORD"  # noqa: S105 (the variable's name)


def _smtp() -> SmtpServer:
    """The SMTP resource; its password, when there is one, an ``EnvVar`` (the UI shows the name)."""
    if os.environ.get(SMTP_PASSWORD):
        return SmtpServer(password=dg.EnvVar(SMTP_PASSWORD))
    return SmtpServer()


def build_defs(
    connections: Mapping[str, Connection],
    connections_file: str = "",
    database: CoreDatabase | None = None,
) -> dg.Definitions:
    """Everything the UI shows, for these connections (read from ``connections_file``; empty:
    ``CHANNELSYNC_CONNECTIONS_FILE``, else the local sandboxes) and the core ``database``
    (default: ``CHANNELSYNC_DATABASE_URL``)."""
    assets: list[dg.AssetsDefinition] = [prm_webhooks, renewals, commissions]
    checks = [dead_letter_check(PRM_WEBHOOKS, PRM_TOPIC), outbox_lag_check(PRM_WEBHOOKS, PRM_TOPIC)]
    jobs: list[dg.JobDefinition | dg.UnresolvedAssetJobDefinition] = [
        upgrade_schema_job,
        expiry_job,
        quote_deal_job,
        prm_delivery_job,
    ]
    drift: list[dg.AssetChecksDefinition] = []  # full CRM reads: their own job, not the sync's
    resources: dict[str, object] = {
        "database": database or CoreDatabase(),
        "prm": PrmWebhooks(),
        "smtp": _smtp(),
    }
    for conn in connections.values():
        try:
            mapping = load_mapping(conn.mapping_path)
        except ValueError as exc:
            raise SetupError(str(exc)) from None
        assets.append(pull_assets(conn, mapping.objects))
        checks.extend(sync_checks(conn.name, mapping.objects))
        drift.append(drift_check(conn.name, mapping.objects))
        deals = mapping.object_of("deal")
        if deals is not None:
            feeds = [mapping.object_of(t) for t in ("deal", "deal_line")]
            after = [object_key(conn.name, obj) for obj in feeds if obj is not None]
            assets.append(quotes_asset(conn, after))
            jobs.append(resync_job(conn, deals))
        assets.append(push_asset(conn, [quotes_key(conn.name)] if deals is not None else []))
        prefix = connection_prefix(conn.name)
        checks.append(dead_letter_check(push_key(conn.name), prefix))
        checks.append(outbox_lag_check(push_key(conn.name), prefix))
        resources[crm_resource(conn.name)] = CrmConnection(
            name=conn.name, connections_file=connections_file
        )
    sync_job = dg.define_asset_job(
        "sync_job",
        selection=dg.AssetSelection.groups(*(ident(n) for n in connections))
        - dg.AssetSelection.assets(*(push_key(n) for n in connections))
        - dg.AssetSelection.checks(*drift),
        description="Pull every CRM connection and quote its quote-requested deals.",
    )
    reconcile_job = dg.define_asset_job(
        "reconcile_job",
        selection=dg.AssetSelection.checks(*drift),
        description="Compare every CRM connection with the core (the reconciliation drift checks).",
    )
    push = push_job(list(connections))
    return dg.Definitions(
        assets=assets,
        asset_checks=[*checks, *drift],
        jobs=[sync_job, reconcile_job, push, renewals_job, commissions_job, *jobs],
        schedules=[*schedules(sync_job), renewals_schedule, commissions_schedule],
        sensors=[
            quote_request_sensor(list(connections)),
            prm_outbox_sensor,
            crm_outbox_sensor(push),
            mail_admins_on_failure,
        ],
        resources=resources,
    )


_file = ConnectorSettings().connections_file
defs = build_defs(configured(), "" if _file is None else str(_file))
