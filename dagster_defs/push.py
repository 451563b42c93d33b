"""The CRM push-back of each connection: an asset that writes the core's quotes, deal results,
orders and end customers back to the CRM, its job, and the sensor that runs it when events wait."""

from collections.abc import Sequence
from typing import TYPE_CHECKING

import dagster as dg
from dagster import AssetExecutionContext, SensorEvaluationContext

from connector.connections import Connection
from connector.errors import FatalError
from connector.push.run import push_connection
from dagster_defs.metadata import dead_letters_table, plain
from dagster_defs.naming import ACTOR, OWNERS, crm_resource, ident, pool
from dagster_defs.resources import CoreDatabase, CrmConnection
from dagster_defs.retries import CRM_RETRY
from order_core.db import session_scope
from order_core.outbox.backlog import outbox_backlog
from order_core.outbox.dead_letters import list_dead_letters
from order_core.pushback.fanout import connection_prefix

if TYPE_CHECKING:  # dagster exports the name to type checkers only
    from dagster import UnresolvedAssetJobDefinition

#: Every push-back topic: the core's ``crm.*`` events and the connections' ``crm:<name>:*`` copies.
CRM_TOPICS = "crm"


def push_key(connection: str) -> dg.AssetKey:
    """The push-back asset of one connection."""
    return dg.AssetKey(["push", ident(connection)])


def push_asset(conn: Connection, after: Sequence[dg.AssetKey]) -> dg.AssetsDefinition:
    """The push-back of ``conn`` (after the assets in ``after``: its quotes)."""
    name, resource = conn.name, crm_resource(conn.name)

    @dg.asset(
        key=push_key(name),
        deps=list(after),
        group_name=ident(name),
        kinds={conn.kind},
        owners=OWNERS,
        pool=pool(name),
        retry_policy=CRM_RETRY,
        required_resource_keys={"database", resource},
        description=(
            f"The push-back to {name}: due crm.* events fanned out to the connection, then its "
            "quotes, deal results, orders and end customers written to the CRM. Metadata: "
            "events per topic (delivered, retried, dead-lettered), CRM and API calls, duration."
        ),
    )
    def _push(context: AssetExecutionContext) -> dg.MaterializeResult[None]:
        database: CoreDatabase = context.resources.database
        crm: CrmConnection = getattr(context.resources, resource)
        with database.engine() as engine:
            try:
                report = push_connection(name, engine, connections=crm.connections())
            except (ValueError, FatalError) as exc:  # a setup problem: retrying cannot fix it
                raise dg.Failure(description=str(exc), allow_retries=False) from None
            with session_scope(engine) as session:
                prefix = connection_prefix(name)
                dead = list_dead_letters(session=session, actor=ACTOR, topic_prefix=prefix)
        if report.status == "failed":  # raised so the retry policy tries again
            raise dg.Failure(description=f"{name}: {report.message}")
        figures = plain(report.as_dict())
        return dg.MaterializeResult(metadata={**figures, "dead_letters": dead_letters_table(dead)})

    return _push


def push_job(connections: Sequence[str]) -> "UnresolvedAssetJobDefinition":
    """Push every connection's due events back to its CRM."""
    return dg.define_asset_job(
        "push_job",
        selection=dg.AssetSelection.assets(*(push_key(n) for n in connections)),
        description="Write the core's quotes, deal results, orders and end customers to the CRMs.",
    )


def crm_outbox_sensor(job: "UnresolvedAssetJobDefinition") -> dg.SensorDefinition:
    """A push run when crm.* events are due (run key: the first due event and when it fell due)."""

    @dg.sensor(
        name="crm_outbox",
        job=job,
        minimum_interval_seconds=30,
        description="A push_job run when crm.* events are due (run key: the first due event "
        "and when it fell due, so one backlog asks for one run).",
    )
    def _sensor(
        context: SensorEvaluationContext, database: CoreDatabase
    ) -> dg.RunRequest | dg.SkipReason:
        with database.engine() as engine, session_scope(engine) as session:
            backlog = outbox_backlog(session=session, actor=ACTOR, topic_prefix=CRM_TOPICS)
        if not backlog.due or backlog.first_due_at is None:
            return dg.SkipReason("no crm.* event is due")
        return dg.RunRequest(
            run_key=f"crm:{backlog.first_due_id}:{backlog.first_due_at.isoformat()}"
        )

    return _sensor
