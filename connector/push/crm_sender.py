"""The CRM push's ``Sender``: one connection, one topic (``crm:<connection>:<entity>``), any CRM.

Per batch: the events grouped by the record they name (several events of one record send it
once); the records' current state read from the core in one short transaction
(``order_core.pushback.snapshots``); the CRM's writes made with no transaction open (the
CRM-specific :class:`CrmWrites`); and an outcome per event from the per-record results
(:class:`connector.push.ledger.Ledger`). When a write stops early (budget spent, credentials
refused, the CRM still down after the retries), the next batch is refused at once so the run
ends instead of spending calls on a CRM that is not answering.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from sqlalchemy.engine import Engine

from connector.errors import CrmError, FatalError, RetriableError
from connector.push.drain import SendResult
from connector.push.ledger import Ledger
from mappings.spec import PushSpec
from order_core.commissions.crm_values import StatementSnap, statement_snapshots
from order_core.db import new_session
from order_core.outbox import OutboxEvent
from order_core.outbox.outcomes import Outcome
from order_core.pushback.acknowledge import requests_acknowledged, requests_renewed
from order_core.pushback.fanout import PUSHED, connection_prefix
from order_core.pushback.resellers import ResellerSnap, reseller_snapshots
from order_core.pushback.snapshots import (
    DealSummary,
    OrderSnap,
    QuoteSnap,
    deal_summaries,
    order_snapshots,
    quote_snapshots,
)

#: The entities the push delivers, in the order a run drains them (a quote before the deal
#: summary naming it; orders after the quotes they came from); the fan-out skips any other.
ENTITIES = PUSHED


@dataclass
class Work:
    """A batch's events grouped by the record each names."""

    deals: dict[int, list[int]] = field(default_factory=dict)
    quotes: dict[int, list[int]] = field(default_factory=dict)
    orders: dict[str, list[int]] = field(default_factory=dict)
    first_orders: set[str] = field(default_factory=set)
    customers: dict[int, list[int]] = field(default_factory=dict)
    statements: dict[int, list[int]] = field(default_factory=dict)
    bad: dict[int, str] = field(default_factory=dict)


@dataclass
class Snapshots:
    """The current state of a batch's records, as this connection receives them."""

    deals: dict[int, DealSummary] = field(default_factory=dict)
    quotes: dict[int, QuoteSnap] = field(default_factory=dict)
    orders: dict[str, OrderSnap] = field(default_factory=dict)
    customers: dict[int, ResellerSnap] = field(default_factory=dict)
    statements: dict[int, StatementSnap] = field(default_factory=dict)


def group(entity: str, events: Sequence[OutboxEvent]) -> Work:
    """Group events by record: deals (and a quote's deal), quotes, orders (first events noted),
    end customers, partners (a statement's)."""
    work = Work()
    for event in events:
        assert event.id is not None
        data = event.data()
        if entity == "deal" and isinstance(data.get("deal_id"), int):
            work.deals.setdefault(data["deal_id"], []).append(event.id)
        elif entity == "quote" and isinstance(data.get("quote_id"), int):
            work.quotes.setdefault(data["quote_id"], []).append(event.id)
            if isinstance(data.get("deal_id"), int):
                work.deals.setdefault(data["deal_id"], []).append(event.id)
        elif entity == "order" and event.aggregate_id:
            work.orders.setdefault(event.aggregate_id, []).append(event.id)
            if data.get("previous_status") in (None, "draft"):
                # Placed (or re-submitted after a revision): its lines go with it.
                work.first_orders.add(event.aggregate_id)
        elif entity == "end_customer" and isinstance(data.get("customer_id"), int):
            work.customers.setdefault(data["customer_id"], []).append(event.id)
        elif entity == "commission_statement" and isinstance(data.get("partner_id"), int):
            work.statements.setdefault(data["partner_id"], []).append(event.id)
        else:
            work.bad[event.id] = f"a {event.topic} event without the id of its record"
    return work


def read_snapshots(engine: Engine, source: str, work: Work) -> Snapshots:
    """The batch's records from the core, in one short read-only transaction."""
    with new_session(engine) as session:
        try:
            return Snapshots(
                deal_summaries(session, sorted(work.deals)) if work.deals else {},
                quote_snapshots(session, sorted(work.quotes)) if work.quotes else {},
                order_snapshots(session, source, sorted(work.orders), with_lines=work.first_orders)
                if work.orders
                else {},
                reseller_snapshots(session, source, sorted(work.customers))
                if work.customers
                else {},
                statement_snapshots(session, source, sorted(work.statements))
                if work.statements
                else {},
            )
        finally:
            session.rollback()


class CrmWrites(Protocol):
    """One CRM's writes of a batch's records, each result kept in the ledger."""

    #: The mapping's ``push:`` section the writes follow.
    push: PushSpec

    def quotes(self, work: Work, snaps: Snapshots, ledger: Ledger) -> None:
        """Write the quote versions (with lines, on their deals)."""
        ...

    def deals(
        self, work: Work, snaps: Snapshots, ledger: Ledger, *, clear_request: bool
    ) -> dict[int, bool]:
        """Write the quote summaries on the deals (clearing the request flag when asked and the
        deal is unchanged since the request); per written deal, whether its flag was cleared."""
        ...

    def orders(self, work: Work, snaps: Snapshots, ledger: Ledger) -> None:
        """Write the orders (with lines and associations on their first event)."""
        ...

    def resellers(self, work: Work, snaps: Snapshots, ledger: Ledger) -> None:
        """Show each end customer's reseller of record (and take the mark from former ones)."""
        ...

    def statements(self, work: Work, snaps: Snapshots, ledger: Ledger) -> None:
        """Write each partner's latest commission statement on its account."""
        ...

    def stopped(self) -> CrmError | None:
        """The error that stopped a write of this sender early, if any."""
        ...

    def api_calls(self) -> int:
        """Every API call made so far (writes, look-ups, logins, retries)."""
        ...

    def close(self) -> None:
        """Release the CRM client."""
        ...


def as_batch_error(error: CrmError) -> CrmError:
    """``error`` as one the drainer treats as a whole batch failing (retriable or fatal)."""
    if isinstance(error, RetriableError | FatalError):
        return error
    return RetriableError(error.connection, error.message)


class CrmPushSender:
    """A ``Sender`` of one connection's ``crm:<connection>:<entity>`` events."""

    def __init__(
        self, connection: str, entity: str, engine: Engine, writes: CrmWrites, batch_size: int
    ) -> None:
        if entity not in ENTITIES:
            raise ValueError(f"no push of {entity!r}; the push delivers {', '.join(ENTITIES)}")
        self.connection = connection
        self.entity = entity
        self.engine = engine
        self.writes = writes
        self._batch_size = batch_size

    @property
    def topic_prefix(self) -> str:
        """This connection's copies of this entity's events."""
        return f"{connection_prefix(self.connection)}{self.entity}"

    @property
    def batch_size(self) -> int:
        """Events per batch: one CRM call's worth of records."""
        return self._batch_size

    def send(self, events: Sequence[OutboxEvent], lease_until: datetime) -> SendResult:
        """Write the records the events name; an outcome per event (see the module docstring)."""
        earlier = self.writes.stopped()
        if earlier is not None:
            raise as_batch_error(earlier)
        work = group(self.entity, events)
        snaps = read_snapshots(self.engine, self.connection, work)
        ledger = Ledger()
        for event_id, reason in work.bad.items():
            ledger.decide([event_id], Outcome.dead(reason))
        if self.entity == "quote":
            self.writes.quotes(work, snaps, ledger)
            self.writes.deals(work, snaps, ledger, clear_request=False)
        elif self.entity == "deal":
            cleared = self.writes.deals(work, snaps, ledger, clear_request=True)
            self._acknowledge(snaps, ledger, cleared)
        elif self.entity == "order":
            self.writes.orders(work, snaps, ledger)
        elif self.entity == "end_customer":
            self.writes.resellers(work, snaps, ledger)
        else:
            self.writes.statements(work, snaps, ledger)
        ids = [e.id for e in events if e.id is not None]
        return SendResult(ledger.outcomes(ids), ledger.calls)

    def _acknowledge(self, snaps: Snapshots, ledger: Ledger, cleared: dict[int, bool]) -> None:
        """Deals whose flag the CRM now has off: the core's flag off, their pull links reset.
        Deals whose flag was left on for a newer request: their pull links reset only."""
        part = self.writes.push.deal
        if part is None:
            return
        written = [
            s.deal_id
            for s in snaps.deals.values()
            if s.deal_id in cleared and ledger.ok(f"{part.object}:{s.deal_crm_id}")
        ]
        done = [d for d in written if cleared[d]]
        again = [d for d in written if not cleared[d]]
        if done or again:
            with new_session(self.engine) as session:
                requests_acknowledged(self.connection, done, session=session)
                requests_renewed(self.connection, again, session=session)
