"""One multi-asset per CRM connection: each mapped CRM object is an asset the pull materializes."""

from collections.abc import Iterator

import dagster as dg
from dagster import AssetExecutionContext

from connector.connections import Connection
from connector.sync.run import pull_connection
from dagster_defs.metadata import pull_metadata
from dagster_defs.naming import ACTOR, OWNERS, crm_resource, ident, object_key, pool
from dagster_defs.resources import CoreDatabase, CrmConnection
from dagster_defs.retries import CRM_RETRY, settled
from order_core.db import session_scope
from order_core.sync.quarantine import quarantine_reasons


def pull_assets(conn: Connection, objects: list[str]) -> dg.AssetsDefinition:
    """The pull of ``conn``: one asset per object, materialized together or as a chosen subset."""
    name, resource = conn.name, crm_resource(conn.name)
    specs = [
        dg.AssetSpec(
            object_key(name, obj),
            group_name=ident(name),
            kinds={conn.kind},
            owners=OWNERS,
            skippable=True,
            description=(
                f"{obj} of the {conn.kind} connection {name}: changed records pulled into the "
                "core by their modification stamp, deletions included; records that cannot be "
                "mapped are quarantined with the reason. Metadata: records by outcome, API calls "
                "and budget left, the cursor, the duration and the top quarantine reasons."
            ),
        )
        for obj in objects
    ]

    @dg.multi_asset(
        name=f"pull_{ident(name)}",
        specs=specs,
        can_subset=True,
        pool=pool(name),
        retry_policy=CRM_RETRY,
        required_resource_keys={"database", resource},
    )
    def _pull(context: AssetExecutionContext) -> Iterator[dg.MaterializeResult[None]]:
        database: CoreDatabase = context.resources.database
        crm: CrmConnection = getattr(context.resources, resource)
        chosen = [o for o in objects if object_key(name, o) in context.selected_asset_keys]
        with database.engine() as engine:
            report = settled(
                lambda: pull_connection(name, engine, objects=chosen, connections=crm.connections())
            )
            with session_scope(engine) as session:
                reasons = quarantine_reasons(session=session, actor=ACTOR, source=name)
        if report.status == "failed":  # raised so the retry policy tries again
            raise dg.Failure(description=f"{name}: {report.message}")
        if report.status == "stopped":
            context.log.warning(f"{name}: {report.message}; the next run resumes there")
        for obj in chosen:
            yield dg.MaterializeResult(
                asset_key=object_key(name, obj),
                metadata=pull_metadata(report, obj, reasons.get(obj, {})),
            )

    return _pull
