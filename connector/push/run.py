"""``push_connection``: one CRM connection's push-back run, the entry point the CLI and Dagster call.

A run first fans the core's due ``crm.*`` events out to the receiving connections (one copy per
connection: ``order_core.pushback.fanout``), then drains this connection's copies topic by topic
(quotes, deal summaries, orders) through the generic drainer with the connection's CRM writes.
Every step that touches the database is a short transaction of its own; no transaction is open
during a CRM call. The report holds figures only (no secrets, nothing from the CRM's answers but
error text).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy.engine import Engine

from connector.connections import Connection, Connections, configured_connections
from connector.errors import FatalError
from connector.hubspot.pacing import Clock
from connector.push.crm_sender import ENTITIES, CrmPushSender, CrmWrites
from connector.push.drain import DrainReport, drain
from connector.retry import RetryPolicy
from connector.settings import ConnectorSettings
from mappings import load_mapping
from order_core.db import new_session
from order_core.outbox.leases import drainer_name
from order_core.pushback.fanout import fan_out

#: Events one fan-out transaction takes.
FAN_OUT_BATCH = 1000


@dataclass
class TopicFigures:
    """What a run did with one topic's events."""

    leased: int = 0
    delivered: int = 0
    retried: int = 0
    dead_lettered: int = 0
    skipped: int = 0
    released: int = 0
    lost: int = 0
    crm_calls: int = 0
    batches: int = 0
    error: str | None = None

    @classmethod
    def of(cls, rep: DrainReport) -> TopicFigures:
        """The figures of one drain report."""
        leased = rep.delivered + rep.failed + rep.skipped + rep.released + rep.lost
        return cls(
            leased,
            rep.delivered,
            rep.retried,
            rep.dead_lettered,
            rep.skipped,
            rep.released,
            rep.lost,
            rep.calls,
            rep.batches,
            rep.error,
        )


@dataclass
class PushReport:
    """One push run of one connection: fan-out, per-topic figures, CRM calls, how it ended.

    ``crm_calls`` counts write calls; ``api_calls`` every call the connection's budget counted
    (look-ups, logins and retries too).
    """

    connection: str
    status: str = "ok"  # ok | failed (a batch failed as a whole; the next run tries again)
    message: str | None = None
    fanned_out: int = 0
    copies: int = 0
    unrouted: int = 0
    topics: dict[str, TopicFigures] = field(default_factory=dict)
    crm_calls: int = 0
    api_calls: int = 0
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        """JSON-able figures."""
        return asdict(self)

    @property
    def delivered(self) -> int:
        """Events delivered over every topic."""
        return sum(t.delivered for t in self.topics.values())

    @property
    def dead_lettered(self) -> int:
        """Events that became dead letters over every topic."""
        return sum(t.dead_lettered for t in self.topics.values())


def open_writes(
    connection: Connection, *, retry: RetryPolicy | None = None, clock: Clock | None = None
) -> tuple[CrmWrites, int]:
    """The connection's CRM writes (its mapping's ``push:`` section) and its batch size;
    ``retry`` / ``clock`` replace the default retry policy and HubSpot's pacing clock."""
    mapping = load_mapping(connection.mapping_path)
    if mapping.crm != connection.kind:
        raise FatalError(
            connection.name,
            f"its mapping {connection.mapping_path} is for {mapping.crm}; point it at a "
            f"{connection.kind} mapping",
        )
    if mapping.push is None:
        raise FatalError(
            connection.name,
            f"its mapping {connection.mapping_path} has no push: section; add one to push",
        )
    if connection.kind == "salesforce":
        from connector.salesforce.push import SalesforceWrites
        from connector.salesforce.writes import COLLECTION_MAX, open_salesforce_writer

        writer = open_salesforce_writer(connection, retry=retry)
        return SalesforceWrites(writer, mapping.push), COLLECTION_MAX
    from connector.hubspot.push import HubSpotWrites
    from connector.hubspot.writes import BATCH_MAX, open_hubspot_writer

    hs_writer = open_hubspot_writer(connection, retry=retry, clock=clock)
    return HubSpotWrites(hs_writer, mapping.push), BATCH_MAX


def _fan_out(engine: Engine, names: list[str], report: PushReport) -> None:
    owner = drainer_name("push:fan-out")
    with new_session(engine) as session:
        while True:
            done = fan_out(names, session=session, owner=owner, limit=FAN_OUT_BATCH)
            report.fanned_out += done.events
            report.copies += done.copies
            report.unrouted += done.unrouted
            if done.events < FAN_OUT_BATCH:
                return


def push_connection(
    name: str,
    engine: Engine,
    *,
    connections: Connections | None = None,
    progress: Callable[..., None] | None = None,
) -> PushReport:
    """Push the core's due ``crm.*`` events to connection ``name``; see the module docstring.

    ``connections`` defaults to the configured ones (``CHANNELSYNC_CONNECTIONS_FILE``, else the
    sandboxes); every connection in it receives its share of the fan-out. ``progress`` is called
    as ``progress(topic, figures)`` after each topic. An unknown name or a mapping without a
    ``push:`` section raises ``ValueError`` / ``FatalError`` before anything is written.
    """
    if connections is None:
        settings = ConnectorSettings()
        connections = configured_connections(settings.connections_file, settings.sandbox_dir)
    if name not in connections:
        raise ValueError(
            f"no connection named {name}; the connections are {', '.join(connections)}"
        )
    writes, batch_size = open_writes(connections[name])
    return push_with(name, engine, list(connections), writes, batch_size, progress=progress)


def push_with(
    name: str,
    engine: Engine,
    receivers: list[str],
    writes: CrmWrites,
    batch_size: int,
    *,
    progress: Callable[..., None] | None = None,
) -> PushReport:
    """:func:`push_connection` with the connection's writes already open (closed on return);
    ``receivers`` are every connection the fan-out copies events to."""
    report = PushReport(name)
    started = time.monotonic()
    try:
        _fan_out(engine, receivers, report)
        for entity in ENTITIES:
            sender = CrmPushSender(name, entity, engine, writes, batch_size)
            figures = TopicFigures.of(drain(engine, sender))
            report.topics[sender.topic_prefix] = figures
            report.crm_calls += figures.crm_calls
            if progress is not None:
                progress(sender.topic_prefix, figures)
            if figures.error is not None:
                report.status, report.message = "failed", figures.error
                break
        stopped = writes.stopped()
        if stopped is not None and report.status == "ok":
            report.status, report.message = "failed", str(stopped)
    finally:
        report.api_calls = writes.api_calls()
        writes.close()
        report.seconds = round(time.monotonic() - started, 3)
    return report
