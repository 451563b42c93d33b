"""Fan-out of ``crm.*`` outbox events to the CRM connections that receive them, one copy each.

The core emits one ``crm.<entity>`` event per change; several CRM connections may need it (an
order goes to every CRM where its partner has a record). :func:`fan_out` leases due ``crm.``
events and, in the same short transaction, writes one pending copy per receiving connection on
the topic ``crm:<connection>:<entity>`` and marks the original delivered. Each connection's
drainer then leases its own copies, so delivery, retries and dead letters are per (event,
connection). Copies keep the aggregate, so one aggregate's events still leave in order.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlmodel import Session

from order_core.outbox import EventRow, OutboxEvent, emit_events
from order_core.outbox.leases import lease_events, record_outcomes
from order_core.outbox.outcomes import Outcome
from order_core.tx import transactional

#: The topics the core emits for the CRM push-back.
SOURCE_PREFIX = "crm."
#: Entities whose events belong to the connection their CRM deal came from.
DEAL_BOUND = ("deal", "quote")


def connection_prefix(connection: str) -> str:
    """The topic prefix of one connection's copies."""
    return f"crm:{connection}:"


@dataclass(frozen=True)
class FannedOut:
    """What one :func:`fan_out` call did: originals taken, copies written, originals no one receives."""

    events: int = 0
    copies: int = 0
    unrouted: int = 0


def receivers(event: OutboxEvent, connections: Sequence[str]) -> list[str]:
    """The connections an event goes to: a deal's or quote's only to its deal's connection (a quote
    without a CRM deal goes nowhere), anything else to every connection."""
    entity = event.topic.removeprefix(SOURCE_PREFIX)
    if entity in DEAL_BOUND:
        data = event.data()
        source = data.get("source") if entity == "deal" else data.get("deal_source")
        return [c for c in connections if c == source]
    return list(connections)


@transactional
def fan_out(
    connections: Sequence[str], *, session: Session, owner: str, limit: int = 1000
) -> FannedOut:
    """Copy up to ``limit`` due ``crm.`` events to their receiving connections (one transaction).

    An event no connection receives is recorded as skipped, with the reason.
    """
    lease = lease_events(SOURCE_PREFIX, session=session, owner=owner, limit=limit)
    rows: list[EventRow] = []
    outcomes: dict[int, Outcome] = {}
    unrouted = 0
    for event in lease.events:
        assert event.id is not None
        names = receivers(event, connections)
        entity = event.topic.removeprefix(SOURCE_PREFIX)
        for name in names:
            payload = {**event.data(), "origin_event": event.id}
            topic = f"{connection_prefix(name)}{entity}"
            rows.append((topic, event.aggregate, event.aggregate_id, payload, event.partner_id))
        if names:
            outcomes[event.id] = Outcome.delivered()
        else:
            unrouted += 1
            outcomes[event.id] = Outcome.skipped("no CRM connection receives this event")
    emit_events(session, rows)
    record_outcomes(lease, outcomes, session=session)
    return FannedOut(len(lease.events), len(rows), unrouted)
