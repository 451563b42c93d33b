"""What a CRM push batch owes each event: the CRM records it needs written, and its outcome.

An event is delivered when every record it needs is in the CRM; one failed record makes its
events retry (the CRM was busy, the budget spent) or dead letters (the CRM refused the record),
with the CRM's errors. Several events of one record (an order's status changes in one batch)
share the record's single write.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from connector.writes import WriteResult, WriteResults
from order_core.outbox.outcomes import Outcome

#: Errors of one event kept in its outcome (the rest are counted).
_SHOWN = 3


def _error_text(result: WriteResult) -> str:
    errors = "; ".join(f"{e.code}: {e.message}" for e in result.errors) or "failed"
    return f"{result.key}: {errors}"


@dataclass
class Ledger:
    """Per event: the record keys it needs, and outcomes decided without a write (skips, refusals)."""

    needs: dict[int, set[str]] = field(default_factory=dict)
    decided: dict[int, Outcome] = field(default_factory=dict)
    results: dict[str, WriteResult] = field(default_factory=dict)
    calls: int = 0

    def need(self, event_ids: Iterable[int], key: str) -> None:
        """Those events need the record ``key`` written."""
        for event_id in event_ids:
            self.needs.setdefault(event_id, set()).add(key)

    def decide(self, event_ids: Iterable[int], outcome: Outcome) -> None:
        """Those events end as ``outcome`` (a skip or refusal found before any write)."""
        for event_id in event_ids:
            self.decided.setdefault(event_id, outcome)

    def record(self, prefix: str, results: WriteResults) -> WriteResults:
        """Keep the results of one write (keys prefixed with the object written)."""
        self.calls += results.calls
        for result in results:
            self.results[f"{prefix}:{result.key}"] = result
        return results

    def ok(self, key: str) -> bool:
        """Whether the record ``key`` was written (a record not written yet counts as not ok)."""
        result = self.results.get(key)
        return result is not None and result.ok

    def outcomes(self, event_ids: Iterable[int]) -> dict[int, Outcome]:
        """Every event's outcome."""
        out: dict[int, Outcome] = {}
        for event_id in event_ids:
            if event_id in self.decided:
                out[event_id] = self.decided[event_id]
                continue
            failed = [
                self.results.get(k)
                or WriteResult.failed(k, "NOT_WRITTEN", "not sent", retriable=True)
                for k in sorted(self.needs.get(event_id, ()))
                if not self.ok(k)
            ]
            if not failed:
                out[event_id] = Outcome.delivered()
                continue
            text = "; ".join(_error_text(r) for r in failed[:_SHOWN])
            if len(failed) > _SHOWN:
                text += f"; and {len(failed) - _SHOWN} more records"
            retriable = all(r.retriable for r in failed)
            out[event_id] = Outcome.retry(text) if retriable else Outcome.dead(text)
        return out
