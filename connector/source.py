"""What the pull asks of a CRM, whichever it is: changed records in (stamp, id) order, page by page.

``connector.salesforce`` and ``connector.hubspot`` each implement ``CrmSource``; the sync engine
(``connector.sync``) knows only this interface.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from connector.budget import ApiBudget
from mappings.records import RawRecord


@dataclass(frozen=True, order=True)
class Cursor:
    """A position in an object's change stream: every record at or before (stamp, id) was read."""

    stamp: datetime
    last_id: str


@dataclass(frozen=True)
class Page:
    """Records read in one call (or a few), and the cursor once they are applied.

    ``cursor`` is None when the page does not advance the stream (a re-read of ids, archived
    records read outside the change stream).
    """

    records: list[RawRecord]
    cursor: Cursor | None


class CrmSource(Protocol):
    """One CRM connection's read side."""

    name: str
    budget: ApiBudget
    #: True when ``changed`` carries deletions (Salesforce queryAll); False when deletions and
    #: restores must be found apart from it (HubSpot: archived records bump no stamp).
    carries_deletions: bool

    def changed(
        self,
        obj: str,
        fields: Sequence[str],
        associations: Sequence[str],
        since: Cursor | None,
    ) -> Iterator[Page]:
        """Records of ``obj`` changed at or after ``since`` minus the overlap window (all when None).

        Ordered by (stamp, id); deletions included (``RawRecord.deleted``), with the fields the
        CRM still returns for them. Each page's cursor covers every record up to it. A record
        stamped inside the overlap may come again: the caller skips what did not change.
        """
        ...

    def deleted_ids(self, obj: str) -> Iterator[list[RawRecord]]:
        """Records of ``obj`` the CRM holds as deleted / archived now, when the change stream does
        not carry deletions (HubSpot); nothing for a CRM whose stream does (Salesforce queryAll)."""
        ...

    def fetch(
        self, obj: str, ids: Sequence[str], fields: Sequence[str], associations: Sequence[str]
    ) -> list[RawRecord]:
        """The current state of the given records (missing ones are omitted): for re-reads of
        quarantined or restored records, reconcile and association refreshes."""
        ...

    def close(self) -> None:
        """Release connections."""
        ...
