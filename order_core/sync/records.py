"""What the sync hands the core: mapped CRM records (or rejections) of one page, and what came of them."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

Outcome = Literal["created", "updated", "unchanged", "deleted", "quarantined"]
TARGETS = ("partner", "end_customer", "buyer", "deal", "deal_line")


@dataclass(frozen=True, slots=True)
class CrmRecord:
    """One CRM record's values for one core target; ``refs`` hold parents' CRM ids.

    ``owned`` names the fields the CRM owns (a pull overwrites only those on an existing record);
    ``digest`` hashes every mapped value, so an equal digest means nothing to write.
    """

    target: str
    crm_id: str
    stamp: datetime
    values: Mapping[str, object]
    refs: Mapping[str, str | None]
    owned: frozenset[str]
    digest: str
    deleted: bool = False


@dataclass(frozen=True, slots=True)
class CrmReject:
    """A CRM record the mapping refused, with the reason (it goes to the quarantine)."""

    target: str
    crm_id: str
    stamp: datetime
    reason: str


@dataclass(frozen=True)
class SyncPage:
    """One page of one CRM object: its records, their raw payloads and the cursor after them.

    ``payloads`` (CRM id -> JSON text) are what the quarantine keeps to retry a record later;
    ``cursor`` is saved in the same transaction as the rows (None: the page is a re-read).
    """

    source: str
    crm_object: str
    records: Sequence[CrmRecord | CrmReject]
    payloads: Mapping[str, str]
    mapping_version: int
    cursor: tuple[datetime, str] | None = None


@dataclass
class PageResult:
    """Counts of one page by target and outcome, and the CRM ids that left the quarantine."""

    counts: Counter[tuple[str, str]] = field(default_factory=Counter)
    released: int = 0

    def add(self, target: str, outcome: Outcome, n: int = 1) -> None:
        """Count ``n`` records of ``target`` with ``outcome``."""
        if n:
            self.counts[(target, outcome)] += n

    def total(self, outcome: Outcome) -> int:
        """Records with ``outcome`` over every target."""
        return sum(n for (_, o), n in self.counts.items() if o == outcome)
