"""What the Salesforce and HubSpot push writes share: the writer and the push section, the first
error that stopped a write, per-event skips, which CRM lines a revision removed, the quote summary
written on deals and the latest commission statement written on partner accounts (both updates
by CRM id)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from connector.errors import CrmError
from connector.push.crm_sender import Snapshots, Work
from connector.push.ledger import Ledger
from connector.writes import WriteResults
from mappings.push import crm_fields
from mappings.spec import PushObject, PushSpec
from order_core.outbox.outcomes import Outcome
from order_core.pushback.snapshots import DealSummary, QuoteSnap, Values

#: The core value that clears a deal's quote request.
REQUEST_FLAG = "quote_requested"
#: The core value holding the signed link to the latest quote's document (None: not configured).
DOCUMENT_LINK = "quote_document_url"


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


@dataclass(frozen=True)
class RequestState:
    """A deal's modification stamp and quote-requested flag as its CRM holds them, and when the
    flag got its current value where the CRM says (HubSpot's property history; else None)."""

    stamp: datetime
    flag: bool
    flag_set_at: datetime | None = None


def may_clear(summary: DealSummary, state: RequestState | None) -> bool:
    """Whether the push may clear a deal's request flag: the CRM has it off already, or it was
    not set again after the request the core handled (the flag's own change time when the CRM
    keeps one, else the deal's stamp unchanged). A deal the CRM did not return is written as
    before (the update then says what became of it)."""
    if state is None or not state.flag:
        return True
    handled = summary.request_stamp
    if handled is None:
        return False
    if state.flag_set_at is not None:
        return state.flag_set_at <= handled
    return state.stamp == handled


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

    @abstractmethod
    def _request_states(
        self, obj: str, flag_field: str, crm_ids: Sequence[str]
    ) -> dict[str, RequestState]:
        """Each deal's modification stamp and request flag as the CRM holds them now (a deal the
        CRM does not return is left out): each CRM's own read."""

    def deals(
        self, work: Work, snaps: Snapshots, ledger: Ledger, *, clear_request: bool
    ) -> dict[int, bool]:
        """The quote summary on each deal; for a deal result (``clear_request``), whether each
        written deal's request flag was cleared (True) or left on for a newer request (False).

        Without ``clear_request`` (a quote's change), a deal whose request the core has not yet
        acknowledged is not written: its ``crm.deal`` event writes the summary, and a write now
        would move the deal's CRM stamp. With it, the flag is cleared only where the CRM's stamp
        is still the one the core handled (or the flag is off already); a deal changed since with
        its flag on holds a new request, so its flag stays on for the next pull.
        """
        part = self.push.deal
        if part is None:
            return {}
        flags = [f for f, rule in part.fields.items() if rule.from_ == REQUEST_FLAG]
        wanted = [
            (deal_id, event_ids, snaps.deals.get(deal_id))
            for deal_id, event_ids in work.deals.items()
        ]
        states: dict[str, RequestState] = {}
        if clear_request and flags:
            ids = sorted({s.deal_crm_id for _, _, s in wanted if s is not None})
            states = self._request_states(part.object, flags[0], ids) if ids else {}
        records, cleared = [], {}
        for deal_id, event_ids, summary in wanted:
            if summary is None:
                ledger.decide(event_ids, Outcome.skipped(f"deal {deal_id} is gone"))
                continue
            if not clear_request and summary.request_pending:
                continue
            fields = crm_fields(part, summary.values)
            if summary.values.get(DOCUMENT_LINK) is None:  # no link configured: none written
                for crm_field, rule in part.fields.items():
                    if rule.from_ == DOCUMENT_LINK:
                        fields.pop(crm_field, None)
            clear = clear_request and may_clear(summary, states.get(summary.deal_crm_id))
            if not clear:
                for crm_field in flags:
                    fields.pop(crm_field, None)
            ledger.need(event_ids, f"{part.object}:{summary.deal_crm_id}")
            records.append({self.id_field: summary.deal_crm_id, **fields})
            cleared[deal_id] = clear
        if records:
            self._write(ledger, part.object, self._update_by_id(part.object, records))
        return cleared

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
