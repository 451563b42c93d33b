"""The generic outbox drainer: lease a batch, hand it to the topic's sender outside any transaction, record outcomes.

A :class:`Sender` delivers one batch of leased events of its topic (the PRM webhooks; the CRM
push-back) and says, per event, what became of it. The drainer loops until nothing is due or a
limit is reached, and reports what it did. How failures count:

- a per-event retriable failure (:meth:`Outcome.retry`): retried with exponential backoff and
  jitter, never sooner than a ``Retry-After``; after ``CHANNELSYNC_OUTBOX_MAX_ATTEMPTS`` it is a
  dead letter carrying the last error;
- a per-event fatal failure (:meth:`Outcome.dead`, e.g. a 4xx refusal or a validation error): a
  dead letter at once, since trying the same request again cannot help;
- the whole batch failing (the sender raises ``RetriableError``, e.g. a 503 or a reset for the
  one call carrying the batch; or ``FatalError``, e.g. refused credentials): every event of the
  batch is retried with backoff (a broken connection is not the events' fault, so they only
  become dead letters after the attempt limit), and the run stops there with the error in its
  report: the next run tries again;
- anything else the sender raises is a bug: the batch's leases are given back and it propagates.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from sqlalchemy.engine import Engine

from connector.errors import CrmError, FatalError, RetriableError
from order_core.db import new_session
from order_core.outbox import OutboxEvent
from order_core.outbox.leases import Lease, drainer_name, lease_events, record_outcomes
from order_core.outbox.outcomes import Backoff, Outcome, Recorded

log = logging.getLogger(__name__)
#: The error recorded for an event the sender returned no outcome for (a sender bug).
NO_OUTCOME = "the sender reported no outcome for this event"


@dataclass(frozen=True)
class SendResult:
    """What a sender did with a batch: an outcome per event id, and how many remote calls it made."""

    outcomes: Mapping[int, Outcome]
    calls: int


class Sender(Protocol):
    """Delivers leased events of one topic (prefix) in batches of up to ``batch_size``."""

    @property
    def topic_prefix(self) -> str:
        """The topics it delivers: every topic starting with this."""
        ...

    @property
    def batch_size(self) -> int:
        """How many events one :meth:`send` takes."""
        ...

    def send(self, events: Sequence[OutboxEvent], lease_until: datetime) -> SendResult:
        """Deliver ``events`` (oldest first); no database transaction is open meanwhile.

        Return an outcome per event: ``Outcome.delivered()``, ``Outcome.retry(error,
        retry_after)``, ``Outcome.dead(error)``, ``Outcome.skipped(reason)``, or
        ``Outcome.release()`` for an event not attempted (e.g. the lease ends at ``lease_until``
        before it could be). Raise ``RetriableError`` / ``FatalError`` when the whole batch failed.
        Errors must never carry a secret.
        """
        ...


def outcome_of(exc: CrmError) -> Outcome:
    """The outcome of one event whose delivery raised ``exc``: retry if retriable, else a dead letter."""
    if isinstance(exc, RetriableError):
        return Outcome.retry(str(exc), exc.retry_after)
    return Outcome.dead(str(exc))


@dataclass
class DrainReport:
    """What one drain run did: events by outcome, remote calls, batches, and why it stopped early."""

    topic: str
    delivered: int = 0
    retried: int = 0
    dead_lettered: int = 0
    skipped: int = 0
    released: int = 0
    lost: int = 0
    calls: int = 0
    batches: int = 0
    error: str | None = None

    @property
    def failed(self) -> int:
        """Events not delivered this run that are still owed (retried or dead-lettered)."""
        return self.retried + self.dead_lettered

    def add(self, recorded: Recorded) -> None:
        """Count one batch's recorded outcomes."""
        self.delivered += recorded.delivered
        self.retried += recorded.retried
        self.dead_lettered += recorded.dead
        self.skipped += recorded.skipped
        self.released += recorded.released
        self.lost += recorded.lost
        self.batches += 1


def _whole_batch(lease: Lease, exc: CrmError) -> dict[int, Outcome]:
    retry_after = exc.retry_after if isinstance(exc, RetriableError) else None
    return {e.id: Outcome.retry(str(exc), retry_after) for e in lease.events if e.id is not None}


def _send(sender: Sender, lease: Lease, report: DrainReport) -> tuple[dict[int, Outcome], bool]:
    """The batch's outcomes, and whether the run must stop (the whole batch failed)."""
    try:
        result = sender.send(lease.events, lease.until)
    except (RetriableError, FatalError) as exc:
        report.calls += 1
        report.error = str(exc)
        log.warning("%s: a batch of %d failed: %s", report.topic, len(lease.events), exc)
        return _whole_batch(lease, exc), True
    report.calls += result.calls
    outcomes = dict(result.outcomes)
    for event in lease.events:
        if event.id is not None and event.id not in outcomes:
            outcomes[event.id] = Outcome.retry(NO_OUTCOME)
    return outcomes, False


def drain(
    engine: Engine,
    sender: Sender,
    *,
    max_events: int | None = None,
    backoff: Backoff | None = None,
    owner: str | None = None,
    aggregate_id: str | None = None,
) -> DrainReport:
    """Deliver due events of ``sender.topic_prefix`` until none is due, ``max_events`` are taken, or a batch fails.

    Each batch: lease (one short transaction), ``sender.send`` with no transaction open, record
    the outcomes (another short transaction; outcomes of a lease that lapsed meanwhile are
    ignored and counted as ``lost``). ``backoff`` defaults to the ``CHANNELSYNC_OUTBOX_*`` settings.
    ``aggregate_id`` drains only that aggregate's events (one connection's pull requests).
    """
    name = owner or drainer_name(f"drain:{sender.topic_prefix}")
    report = DrainReport(sender.topic_prefix)
    taken = 0
    with new_session(engine) as session:
        while max_events is None or taken < max_events:
            size = (
                sender.batch_size
                if max_events is None
                else min(sender.batch_size, max_events - taken)
            )
            lease = lease_events(
                sender.topic_prefix,
                session=session,
                owner=name,
                limit=size,
                aggregate_id=aggregate_id,
            )
            if not lease.events:
                break
            taken += len(lease.events)
            try:
                outcomes, stop = _send(sender, lease, report)
            except BaseException:
                release = {e.id: Outcome.release() for e in lease.events if e.id is not None}
                record_outcomes(lease, release, session=session)
                raise
            recorded = record_outcomes(lease, outcomes, session=session, backoff=backoff)
            report.add(recorded)
            if recorded.released == len(lease.events):
                # Nothing was attempted: leasing again at once would loop.
                report.error = report.error or (
                    "the sender gave back every event of a batch unattempted; is "
                    "CHANNELSYNC_OUTBOX_LEASE_SECONDS shorter than one delivery takes?"
                )
                break
            log.info(
                "%s: batch of %d: %d delivered, %d retried, %d dead so far",
                report.topic,
                len(lease.events),
                report.delivered,
                report.retried,
                report.dead_lettered,
            )
            if stop:
                break
    return report
