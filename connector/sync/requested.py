"""Targeted pulls: the CRM records a change notification named, fetched and applied now.

A signed HubSpot webhook queues one ``sync.pull_request`` outbox event per notification batch
(``order_core.sync.pull_requests``): the connection, the CRM object and the record ids. This
module drains one connection's requests with the outbox drainer (leased in a short transaction,
fetched and applied with no transaction open across the CRM call, outcomes recorded after), so a
request survives a crash, backs off when the CRM fails, and ends as a dead letter when it cannot
be served (an object the connection's mapping does not map). ``pull_connection`` serves them
before each pull. (The drainer lives in ``connector.push``; the sync depends on it, never the
reverse.)
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime

from connector.errors import BudgetExhausted, FatalError, Refused, RetriableError
from connector.push.drain import DrainReport, SendResult, drain
from connector.sync.pull import Puller
from connector.sync.report import OUTCOMES, ObjectReport, RequestedReport
from order_core.outbox import OutboxEvent
from order_core.outbox.outcomes import Outcome
from order_core.sync.pull_requests import PULL_REQUEST_TOPIC
from order_core.types import utcnow

#: Requests per lease: each is one or a few CRM calls (HubSpot reads 100 ids per call).
BATCH_SIZE = 10


def _request(event: OutboxEvent) -> tuple[str, list[str]]:
    """The object and ids a pull request names; ValueError when its payload is not one."""
    payload = json.loads(event.payload)
    obj, ids = payload.get("object"), payload.get("crm_ids")
    if not isinstance(obj, str) or not isinstance(ids, list):
        raise ValueError("the payload names no object and crm_ids")
    return obj, [str(i) for i in ids]


class _RequestedPulls:
    """The drainer's sender for one connection's ``sync.pull_request`` events."""

    topic_prefix = PULL_REQUEST_TOPIC
    batch_size = BATCH_SIZE

    def __init__(self, puller: Puller, report: RequestedReport) -> None:
        self.puller = puller
        self.report = report

    def _add(self, part: ObjectReport) -> None:
        mine = self.report.objects.setdefault(part.crm_object, ObjectReport(part.crm_object))
        for name in ("read", *OUTCOMES, "released", "api_calls"):
            setattr(mine, name, getattr(mine, name) + getattr(part, name))
        mine.seconds = round(mine.seconds + part.seconds, 3)

    def send(self, events: Sequence[OutboxEvent], lease_until: datetime) -> SendResult:
        """Fetch and apply each request's records; a connection-wide failure fails the batch."""
        outcomes: dict[int, Outcome] = {}
        calls = self.puller.source.budget.calls
        for event in events:
            assert event.id is not None
            if utcnow() >= lease_until:
                outcomes[event.id] = Outcome.release()
                continue
            try:
                obj, ids = _request(event)
            except ValueError as exc:
                outcomes[event.id] = Outcome.dead(f"not a pull request: {exc}")
                continue
            if obj not in self.puller.mapping.objects:
                mapped = ", ".join(self.puller.mapping.objects)
                outcomes[event.id] = Outcome.dead(
                    f"connection {self.puller.name!r} maps no object {obj!r} (it maps {mapped})"
                )
                continue
            try:
                part, missing = self.puller.pull_ids(obj, ids)
            except Refused as exc:  # this request's ids or fields: the others may still go
                outcomes[event.id] = Outcome.dead(str(exc))
                continue
            except BudgetExhausted as exc:  # resume on the next run, once the budget allows
                raise RetriableError(exc.connection, exc.message) from exc
            except (RetriableError, FatalError):
                raise
            self._add(part)
            self.report.missing += len(missing)
            outcomes[event.id] = Outcome.delivered()
        return SendResult(outcomes, self.puller.source.budget.calls - calls)


def pull_requested(puller: Puller, *, max_requests: int | None = None) -> RequestedReport:
    """Serve the connection's queued pull requests, oldest first, until none is due.

    Each request's records are fetched in as few calls as the CRM allows and applied like any
    pulled record (unchanged ones write nothing); the change stream's cursor does not move.
    """
    report = RequestedReport(puller.name)
    sender = _RequestedPulls(puller, report)
    drained: DrainReport = drain(
        puller.engine, sender, max_events=max_requests, aggregate_id=puller.name
    )
    report.requests = drained.delivered + drained.retried + drained.dead_lettered
    report.delivered, report.retried = drained.delivered, drained.retried
    report.dead_lettered, report.api_calls = drained.dead_lettered, drained.calls
    report.error = drained.error
    return report
