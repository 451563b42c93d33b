"""``CrmSource`` for Salesforce: the change stream, re-reads by id, and the factory.

``changed`` reads ``queryAll`` ordered by (SystemModstamp, Id) from the cursor minus the overlap up
to a time fixed when the stream starts, so each window is finite; deletions come in the stream
(``IsDeleted``), so ``deleted_ids`` has nothing to add.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime, timedelta

from connector.budget import ApiBudget
from connector.connections import Connection
from connector.connections import SalesforceSpec as Spec
from connector.errors import FatalError
from connector.retry import RetryPolicy
from connector.salesforce.bulk import DEFAULT_PAGE_RECORDS, BulkPages
from connector.salesforce.client import SalesforceClient
from connector.salesforce.decode import JsonReader
from connector.salesforce.rest_pages import RestPages
from connector.salesforce.soql import (
    UnsafeName,
    in_list,
    is_record_id,
    name,
    select,
    select_list,
)
from connector.salesforce.stream import SYSTEM_FIELDS, BulkMode, ChangeStream
from connector.salesforce.windows import Window, floor_ms
from connector.source import Cursor, Page
from mappings.records import RawRecord

#: Ids per ``WHERE Id IN (...)`` query: about 4,000 characters of SOQL, well inside a URL.
FETCH_CHUNK = 200


class SalesforceSource:
    """One Salesforce connection's read side."""

    carries_deletions = True  # queryAll returns deleted records with IsDeleted

    def __init__(
        self,
        connection: Connection,
        client: SalesforceClient,
        *,
        bulk: BulkMode = "auto",
        bulk_page_records: int = DEFAULT_PAGE_RECORDS,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        spec = connection.spec
        assert isinstance(spec, Spec)
        self.name = connection.name
        self.spec = spec
        self.client = client
        self.budget: ApiBudget = client.budget
        self.rest = RestPages(client, spec.page_size)
        self.stream = ChangeStream(
            client,
            self.rest,
            BulkPages(client, bulk_page_records),
            bulk_threshold=spec.bulk_threshold,
            mode=bulk,
        )
        self._clock = clock or (lambda: datetime.now(UTC))

    def _checked(self, obj: str, fields: Sequence[str], associations: Sequence[str]) -> None:
        if associations:
            raise FatalError(
                self.name,
                f"{obj}: Salesforce records have no associations ({', '.join(associations)}); "
                "map the lookup field (e.g. AccountId) instead",
            )
        try:
            name(obj)
            select_list(fields)
        except UnsafeName as exc:
            raise FatalError(self.name, f"{obj}: {exc}; fix the mapping file") from None

    def changed(
        self,
        obj: str,
        fields: Sequence[str],
        associations: Sequence[str],
        since: Cursor | None,
    ) -> Iterator[Page]:
        """Records of ``obj`` stamped from ``since`` minus the overlap up to now, in (stamp, id) order."""
        self._checked(obj, fields, associations)
        # Up to the end of the current millisecond; anything stamped later is next run's.
        until = floor_ms(self._clock()) + timedelta(milliseconds=1)
        lo = None if since is None else since.stamp - timedelta(seconds=self.spec.overlap_seconds)
        return self.stream.pages(obj, fields, Window(lo, until))

    def deleted_ids(self, obj: str) -> Iterator[list[RawRecord]]:
        """Nothing: queryAll carries Salesforce's deletions in the change stream."""
        return iter(())

    def fetch(
        self, obj: str, ids: Sequence[str], fields: Sequence[str], associations: Sequence[str]
    ) -> list[RawRecord]:
        """Current state of the given records, deleted ones flagged; unknown or malformed ids omitted."""
        self._checked(obj, fields, associations)
        wanted = list(dict.fromkeys(i for i in ids if is_record_id(i)))
        columns = select_list(fields, first=SYSTEM_FIELDS)
        reader = JsonReader(list(fields))
        out: list[RawRecord] = []
        for start in range(0, len(wanted), FETCH_CHUNK):
            chunk = wanted[start : start + FETCH_CHUNK]
            soql = select(obj, columns, f"Id IN {in_list(chunk)}")
            for page in self.rest.pages(obj, soql, reader):
                out.extend(page.records)
        return out

    def close(self) -> None:
        """Release the HTTP connections."""
        self.client.close()


def open_salesforce(
    connection: Connection,
    *,
    retry: RetryPolicy | None = None,
    budget: ApiBudget | None = None,
    bulk: BulkMode = "auto",
    clock: Callable[[], datetime] | None = None,
) -> SalesforceSource:
    """A ready Salesforce source for ``connection`` (it logs in on its first call).

    ``bulk``: ``auto`` uses Bulk 2.0 above the connection's ``bulk_threshold``; ``always`` and
    ``never`` force one path (tests, diagnosis). ``clock`` gives the time a stream ends at (now).
    """
    spec = connection.spec
    if not isinstance(spec, Spec):
        raise FatalError(connection.name, f"is a {spec.kind} connection, not a Salesforce one")
    client = SalesforceClient(
        connection,
        budget or ApiBudget(connection.name, share=spec.budget_share),
        retry or RetryPolicy(),
    )
    return SalesforceSource(connection, client, bulk=bulk, clock=clock)
