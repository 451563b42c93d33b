"""The reconciliation check of each connection: the CRM compared with the core, drift zero."""

from collections.abc import Iterator

import dagster as dg

from connector.sync.reconcile import reconcile_connection
from dagster_defs.metadata import plain
from dagster_defs.naming import crm_resource, ident, object_key, pool
from dagster_defs.resources import CoreDatabase, CrmConnection
from dagster_defs.retries import CRM_RETRY, settled

CHECK = "reconciliation_drift_zero"


def drift_check(name: str, objects: list[str]) -> dg.AssetChecksDefinition:
    """Per object of connection ``name``: passes when a reconcile (no repair) finds no drift."""
    keys, resource = {o: object_key(name, o) for o in objects}, crm_resource(name)
    specs = [
        dg.AssetCheckSpec(CHECK, asset=key, description="Every CRM record matches the core.")
        for key in keys.values()
    ]

    @dg.multi_asset_check(
        name=f"reconcile_{ident(name)}",
        specs=specs,
        pool=pool(name),
        retry_policy=CRM_RETRY,
        required_resource_keys={"database", resource},
    )
    def _reconcile(context: dg.AssetCheckExecutionContext) -> Iterator[dg.AssetCheckResult]:
        database: CoreDatabase = context.resources.database
        crm: CrmConnection = getattr(context.resources, resource)
        with database.engine() as engine:
            report = settled(
                lambda: reconcile_connection(name, engine, connections=crm.connections())
            )
        figures = report.as_dict()["objects"]
        for obj, key in keys.items():
            found = figures.get(obj, {})
            yield dg.AssetCheckResult(
                asset_key=key,
                check_name=CHECK,
                passed=found.get("drift", 0) == 0,
                metadata=plain(found),
            )

    return _reconcile
