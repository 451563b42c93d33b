"""``HubSpotSource``: one HubSpot connection's read side behind ``CrmSource``, and its factory.

``changed`` streams search pages (``search_pages``) from the cursor's stamp minus the overlap,
each with the associations the mapping reads (one v4 batch read per associated object per page);
``deleted_ids`` lists archived records; ``fetch`` re-reads records by id (batch read, 100 a call)
with their associations, leaving out archived and unknown ids.

Search is the scarce quota (5 calls a second), so ``changed`` keeps one search ahead: the next
page's query runs on a worker thread while this page's associations are read and the caller
applies it. The worker alone advances the stream, one query at a time; a caller that stops early
waits for the one query in flight, whose answer is dropped.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any, TypeVar

from connector.budget import ApiBudget
from connector.connections import Connection, HubSpotSpec
from connector.errors import FatalError
from connector.hubspot.archived import archived_pages
from connector.hubspot.associations import read_associations
from connector.hubspot.auth import auth_for
from connector.hubspot.client import HubSpotClient, results_of
from connector.hubspot.pacing import Clock, Pacing
from connector.hubspot.records import BadRecord, raw_record, stamp_property, to_ms
from connector.hubspot.search_pages import PAGE_SIZE, ChangeStream
from connector.retry import RetryPolicy
from connector.source import Cursor, Page
from mappings.records import RawRecord

BATCH_READ_MAX = 100
T = TypeVar("T")

Json = dict[str, Any]


def _properties(obj: str, fields: Sequence[str]) -> list[str]:
    stamp = stamp_property(obj)
    return sorted({*fields, stamp, "hs_object_id"})


def _order(record: RawRecord) -> tuple[object, int, str]:
    return (record.stamp, len(record.crm_id), record.crm_id)


class HubSpotSource:
    """Reads one HubSpot portal: change stream, archived records, re-reads by id."""

    carries_deletions = False  # archiving bumps no stamp: deleted_ids lists archived records

    def __init__(
        self, name: str, client: HubSpotClient, overlap: timedelta, page_size: int = PAGE_SIZE
    ) -> None:
        self.name = name
        self.page_size = page_size
        self.client = client
        self.budget: ApiBudget = client.budget
        self.overlap = overlap

    def changed(
        self,
        obj: str,
        fields: Sequence[str],
        associations: Sequence[str],
        since: Cursor | None,
    ) -> Iterator[Page]:
        """Records of ``obj`` changed at or after ``since.stamp`` minus the overlap (all when None)."""
        start = None if since is None else to_ms(since.stamp - self.overlap)
        what = f"search {obj}"

        def search(body: Json) -> list[Json]:
            return results_of(self.name, what, self.client.search(obj, body))

        props = _properties(obj, fields)
        stream = ChangeStream(obj, stamp_property(obj), props, start, search, self.page_size)
        pages = stream.pages()
        with ThreadPoolExecutor(1, thread_name_prefix=f"{self.name}-search") as ahead:
            upcoming = ahead.submit(next, pages, None)
            while (results := self._unless_bad(obj, upcoming.result)) is not None:
                upcoming = ahead.submit(next, pages, None)
                records = self._unless_bad(obj, lambda: self._records(obj, results, associations))
                records.sort(key=_order)
                yield Page(records, Cursor(records[-1].stamp, records[-1].crm_id))

    def deleted_ids(self, obj: str) -> Iterator[list[RawRecord]]:
        """Archived records of ``obj`` (``deleted=True``), a list page at a time."""
        pages = archived_pages(self.client, obj)
        while (page := self._unless_bad(obj, lambda: next(pages, None))) is not None:
            yield page

    def fetch(
        self, obj: str, ids: Sequence[str], fields: Sequence[str], associations: Sequence[str]
    ) -> list[RawRecord]:
        """The live records among ``ids``, in the order asked, with their associations."""
        wanted = list(dict.fromkeys(str(i) for i in ids))
        props = _properties(obj, fields)
        results: list[Json] = []
        for start in range(0, len(wanted), BATCH_READ_MAX):
            body = {
                "inputs": [{"id": i} for i in wanted[start : start + BATCH_READ_MAX]],
                "properties": props,
                "propertiesWithHistory": [],
            }
            data = self.client.batch_read(obj, body)
            results.extend(results_of(self.name, f"batch read {obj}", data))
            self._check_batch_errors(obj, data)
        position = {rid: n for n, rid in enumerate(wanted)}
        records = self._unless_bad(obj, lambda: self._records(obj, results, associations))
        return sorted(records, key=lambda r: position.get(r.crm_id, len(position)))

    def close(self) -> None:
        """Release the HTTP connections."""
        self.client.close()

    def _records(
        self, obj: str, results: list[Json], associations: Sequence[str]
    ) -> list[RawRecord]:
        ids = [str(r.get("id")) for r in results]
        linked = {to: read_associations(self.client, obj, to, ids) for to in associations}
        return [
            raw_record(obj, r, {to: linked[to].get(str(r.get("id")), []) for to in associations})
            for r in results
        ]

    def _unless_bad(self, obj: str, read: Callable[[], T]) -> T:
        """``read()``, with a record HubSpot sent without an id or a stamp as one clear error."""
        try:
            return read()
        except BadRecord as exc:
            raise FatalError(
                self.name, f"{obj}: HubSpot sent a record that cannot be read ({exc})"
            ) from None

    def _check_batch_errors(self, obj: str, data: Json) -> None:
        # Missing ids (archived, deleted, never existed) are left out; anything else is an error.
        for entry in data.get("errors") or []:
            if isinstance(entry, dict) and entry.get("category") != "OBJECT_NOT_FOUND":
                raise FatalError(
                    self.name,
                    f"batch read {obj}: HubSpot refused some records ({entry.get('category')}: "
                    f"{entry.get('message')})",
                )


def hubspot_client(
    connection: Connection, *, retry: RetryPolicy | None = None, clock: Clock | None = None
) -> HubSpotClient:
    """The ``HubSpotClient`` of a HubSpot connection (``clock`` paces the rate-limit windows)."""
    spec = connection.spec
    if not isinstance(spec, HubSpotSpec):
        raise FatalError(
            connection.name, f"is a {spec.kind} connection; open it with its own connector"
        )
    pacing = Pacing(spec.requests_per_10s, spec.searches_per_second, clock)
    return HubSpotClient(
        connection.name,
        spec.base_url,
        auth_for(connection, pacing.clock.now),
        retry=retry or RetryPolicy(),
        pacing=pacing,
        budget=ApiBudget(connection.name, share=spec.budget_share),
    )


def open_hubspot(
    connection: Connection, *, retry: RetryPolicy | None = None, clock: Clock | None = None
) -> HubSpotSource:
    """A ``HubSpotSource`` for a HubSpot connection (``clock`` paces the rate-limit windows)."""
    client = hubspot_client(connection, retry=retry, clock=clock)
    spec = connection.spec
    assert isinstance(spec, HubSpotSpec)
    overlap = timedelta(seconds=spec.overlap_seconds)
    return HubSpotSource(connection.name, client, overlap, spec.page_size)
