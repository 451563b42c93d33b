"""What the Salesforce and HubSpot push writes share: the writer and the push section, the first
error that stopped a write, per-event skips, which CRM lines a revision removed, the quote summary
written on deals and the latest commission statement written on partner accounts (both updates
by CRM id)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any, Protocol

from connector.errors import CrmError
from connector.push.crm_sender import Snapshots, Work
from connector.push.ledger import Ledger
from connector.writes import WriteResults
from mappings.push import crm_fields
from mappings.spec import PushObject, PushSpec
from order_core.outbox.outcomes import Outcome
from order_core.pushback.snapshots import QuoteSnap, Values

#: The core value that clears a deal's quote request.
REQUEST_FLAG = "quote_requested"


#: A parent written with its lines: its external id, its current lines' keys, its events.
LineOwner = tuple[str, frozenset[str], list[int]]


def stale_lines(owner: LineOwner, found: Iterable[tuple[str, object]]) -> list[str]:
    """CRM ids of the lines ``found`` under a written parent (``(crm id, external id)`` pairs) that
    the push made (external id ``<parent>-<n>``) and the core no longer has. A line without an
    external id (added in the CRM by hand) is left alone; a current line is never among them."""
    parent_key, current, _ = owner
    prefix = f"{parent_key}-"
    return [
        crm_id
        for crm_id, ext in found
        if isinstance(ext, str) and ext.startswith(prefix) and ext not in current
    ]


class Writer(Protocol):
    """A CRM writer: its client (with the budget) and its HTTP connections to release."""

    @property
    def client(self) -> Any:
        """The connection's client (its ``budget`` counts every call)."""
        ...

    def close(self) -> None:
        """Release the HTTP connections."""
        ...


class PushWrites(ABC):
    """The shared part of one CRM's push writes (subclasses write quotes, orders, resellers)."""

    #: The field naming a record (a deal, an account) by its CRM id in an update by id.
    id_field = "Id"

    def __init__(self, writer: Writer, push: PushSpec) -> None:
        self.writer = writer
        self.push = push
        self._stopped: CrmError | None = None

    def stopped(self) -> CrmError | None:
        """The error that stopped a write early, if any."""
        return self._stopped

    def close(self) -> None:
        """Release the HTTP connections."""
        self.writer.close()

    def api_calls(self) -> int:
        """Every API call made so far (writes, look-ups, logins, retries), from the budget."""
        return int(self.writer.client.budget.calls)

    def _write(self, ledger: Ledger, prefix: str, results: WriteResults) -> WriteResults:
        self._stopped = self._stopped or results.stopped
        return ledger.record(prefix, results)

    @staticmethod
    def skip_all(ledger: Ledger, groups: Mapping[Any, Iterable[int]], reason: str) -> None:
        """Every event of ``groups`` is skipped with ``reason``."""
        ledger.decide([e for ids in groups.values() for e in ids], Outcome.skipped(reason))

    @staticmethod
    def quote_versions(
        work: Work, snaps: Snapshots, ledger: Ledger, part: PushObject
    ) -> Iterator[tuple[QuoteSnap, str, Values, list[int]]]:
        """Each quote version to write, earlier versions first, with the events that need it
        (noted in the ledger); a quote not on a deal of this CRM skips its events."""
        for quote_id, event_ids in work.quotes.items():
            snap = snaps.quotes.get(quote_id)
            if snap is None or snap.deal_crm_id is None:
                ledger.decide(event_ids, Outcome.skipped("the quote is not on a deal of this CRM"))
                continue
            for key, values in (*snap.earlier, (snap.key, snap.values)):
                ledger.need(event_ids, f"{part.object}:{key}")
                yield snap, key, values, event_ids

    @abstractmethod
    def _update_by_id(self, obj: str, records: Sequence[dict[str, object]]) -> WriteResults:
        """Update existing records of ``obj`` named by their CRM id (``id_field``): each CRM's own call."""

    def deals(self, work: Work, snaps: Snapshots, ledger: Ledger, *, clear_request: bool) -> None:
        """The quote summary on each deal (the request flag cleared only when asked)."""
        part = self.push.deal
        if part is None:
            return
        records = []
        for deal_id, event_ids in work.deals.items():
            summary = snaps.deals.get(deal_id)
            if summary is None:
                ledger.decide(event_ids, Outcome.skipped(f"deal {deal_id} is gone"))
                continue
            fields = crm_fields(part, summary.values)
            if not clear_request:
                for crm_field, rule in part.fields.items():
                    if rule.from_ == REQUEST_FLAG:
                        fields.pop(crm_field, None)
            ledger.need(event_ids, f"{part.object}:{summary.deal_crm_id}")
            records.append({self.id_field: summary.deal_crm_id, **fields})
        if records:
            self._write(ledger, part.object, self._update_by_id(part.object, records))

    def statements(self, work: Work, snaps: Snapshots, ledger: Ledger) -> None:
        """Each partner's latest commission statement on its account (one update per partner,
        however many statement events it had); a partner with no account here skips its events."""
        part = self.push.commission_statement
        if part is None:
            self.skip_all(ledger, work.statements, "no push.commission_statement")
            return
        records = []
        for partner_id, event_ids in work.statements.items():
            snap = snaps.statements.get(partner_id)
            if snap is None or snap.partner_crm_id is None:
                reason = (
                    f"partner {partner_id} has no statement"
                    if snap is None
                    else f"partner {partner_id} has no account in this CRM"
                )
                ledger.decide(event_ids, Outcome.skipped(reason))
                continue
            ledger.need(event_ids, f"{part.object}:{snap.partner_crm_id}")
            records.append({self.id_field: snap.partner_crm_id, **crm_fields(part, snap.values)})
        if records:
            self._write(ledger, part.object, self._update_by_id(part.object, records))
