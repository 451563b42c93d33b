"""The change stream: CRM search pages in stamp order that no 10,000-result cap and no tie can break.

HubSpot's search honours one sort, pages by offset and refuses to page past 10,000 results of a
query; records that change while a query is paged move to its end and shift every offset behind
them. So every page is a fresh query anchored on what was read (keyset paging), never an offset:

* **by stamp**: ``stamp >= T`` sorted by the stamp, where T is the stamp of the last record read.
  The records at T already read come back first and are skipped by id (only those at T: one that
  changed since comes back with its new stamp, rightly).
* **one stamp by id**: a full page whose records all share one stamp T may hide any number of
  further records at T (a bulk import, a workflow), which the stamp order cannot get past. The
  stream then reads ``stamp == T and hs_object_id > last`` sorted by id until a page comes back
  short, and goes on with ``stamp > T``.

Each query starts at offset 0, so none comes near the 10,000 cap. Records at one stamp come in
HubSpot's order for ties (the sandbox's: by id); a cursor taken inside a tie is safe because a
stream always restarts at ``stamp >= cursor - overlap``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from connector.hubspot.records import record_id, record_stamp, to_ms

PAGE_SIZE = 200  # HubSpot's search maximum

Json = dict[str, Any]


class ChangeStream:
    """Pages of one object's search results, from ``start_ms`` (inclusive; None: from the start)."""

    def __init__(
        self,
        obj: str,
        stamp_property: str,
        properties: list[str],
        start_ms: int | None,
        search: Callable[[Json], list[Json]],
        page_size: int = PAGE_SIZE,
    ) -> None:
        self.obj = obj
        self.page_size = page_size
        self.stamp_property = stamp_property
        self.properties = properties
        self.search = search
        self.queries = 0
        self._low = start_ms  # stamp of the last record read (or the start)
        self._strict = False  # True: every record at _low is read, go on with stamp > _low
        self._seen: set[str] = set()  # ids read at stamp _low
        self._tie_after: int | None = None  # reading stamp _low by id, after this id

    def pages(self) -> Iterator[list[Json]]:
        """Search results not read before, a page at a time; ends when the stream is read."""
        while True:
            if self._tie_after is None:
                fresh, done = self._by_stamp()
            else:
                fresh, done = self._by_id()
            if fresh:
                yield fresh
            if done:
                return

    def _ms(self, result: Json) -> int:
        return to_ms(record_stamp(self.obj, result))

    def _by_stamp(self) -> tuple[list[Json], bool]:
        filters = []
        if self._low is not None:
            op = "GT" if self._strict else "GTE"
            filters.append(self._filter(self.stamp_property, op, self._low))
        results = self._query(filters, self.stamp_property)
        stamps = [self._ms(r) for r in results]
        fresh = [
            r
            for r, ms in zip(results, stamps, strict=True)
            if not (ms == self._low and record_id(r) in self._seen)
        ]
        if len(results) < self.page_size:
            return fresh, True
        last = stamps[-1]
        if last != self._low:
            self._seen = set()
        self._seen.update(record_id(r) for r, ms in zip(results, stamps, strict=True) if ms == last)
        self._low, self._strict = last, False
        if stamps[0] == last:  # a whole page at one stamp: read that stamp by id
            self._tie_after = 0
        return fresh, False

    def _by_id(self) -> tuple[list[Json], bool]:
        assert self._low is not None and self._tie_after is not None
        filters = [
            self._filter(self.stamp_property, "EQ", self._low),
            self._filter("hs_object_id", "GT", self._tie_after),
        ]
        results = self._query(filters, "hs_object_id")
        fresh = [r for r in results if record_id(r) not in self._seen]
        if len(results) < self.page_size:  # every record at this stamp is read
            self._tie_after, self._strict, self._seen = None, True, set()
        else:
            self._tie_after = int(record_id(results[-1]))
        return fresh, False

    @staticmethod
    def _filter(prop: str, op: str, value: int) -> Json:
        return {"propertyName": prop, "operator": op, "value": str(value)}

    def _query(self, filters: list[Json], sort: str) -> list[Json]:
        body: Json = {
            "filterGroups": [{"filters": filters}] if filters else [],
            "sorts": [{"propertyName": sort, "direction": "ASCENDING"}],
            "properties": self.properties,
            "limit": self.page_size,
        }
        self.queries += 1
        return self.search(body)
