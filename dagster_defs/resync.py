"""Re-sync of named records (a deal by its CRM id): one job per connection, in its pool."""

import dagster as dg
from dagster import OpExecutionContext

from connector.connections import Connection
from connector.sync.run import pull_records
from dagster_defs.metadata import pull_metadata
from dagster_defs.naming import crm_resource, ident, pool
from dagster_defs.resources import CoreDatabase, CrmConnection
from dagster_defs.retries import CRM_RETRY, settled


class ResyncRecords(dg.Config):
    """The CRM ids to read again, and their object (default: the one deals come from)."""

    crm_ids: list[str]
    crm_object: str = ""


def resync_job(conn: Connection, deals_object: str) -> dg.JobDefinition:
    """A job that re-reads records of ``conn`` named in its run config."""
    name, resource = conn.name, crm_resource(conn.name)

    @dg.op(
        name=f"resync_records_{ident(name)}",
        pool=pool(name),
        retry_policy=CRM_RETRY,
        required_resource_keys={"database", resource},
    )
    def _resync(context: OpExecutionContext, config: ResyncRecords) -> dg.Output[int]:
        """Re-read the named records now and apply what changed; cursors stay where they are."""
        database: CoreDatabase = context.resources.database
        crm: CrmConnection = getattr(context.resources, resource)
        crm_object = config.crm_object or deals_object
        with database.engine() as engine:
            report = settled(
                lambda: pull_records(
                    name, engine, crm_object, config.crm_ids, connections=crm.connections()
                )
            )
        if report.status == "failed":
            raise dg.Failure(description=f"{name}: {report.message}")
        rep = report.object(crm_object)
        return dg.Output(rep.read, metadata=pull_metadata(report, crm_object, {}))

    @dg.job(
        name=f"resync_deal_{ident(name)}",
        description=f"Re-sync records of {name} by CRM id (run config: crm_ids, crm_object).",
    )
    def _job() -> None:
        _resync()

    return _job
