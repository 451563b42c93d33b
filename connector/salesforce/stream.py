"""The change stream of one object: windows read by REST, or by Bulk 2.0 when they are big.

The first REST answer's ``totalSize`` is Salesforce's own count of the window, so it costs nothing to
learn: above the connection's ``bulk_threshold`` the rest of the window (after the last record read)
goes through a Bulk 2.0 job. ``QUERY_TIMEOUT`` splits what is left of a window into halves by time,
read one after the other (bounded depth); an expired query locator re-reads from the last record.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Literal

from connector.errors import QueryTimeout, RetriableError
from connector.salesforce.bulk import BulkPages
from connector.salesforce.client import SalesforceClient
from connector.salesforce.decode import JsonReader
from connector.salesforce.faults import LocatorExpired
from connector.salesforce.rest_pages import RestPages, to_page
from connector.salesforce.soql import select as soql_select
from connector.salesforce.soql import select_list
from connector.salesforce.windows import Window
from connector.source import Cursor, Page

BulkMode = Literal["auto", "always", "never"]
#: The columns every stream query starts with.
SYSTEM_FIELDS = ("Id", "SystemModstamp", "IsDeleted")
#: Halvings of one window before a QUERY_TIMEOUT is given up on (26 years / 2**24 is about a minute).
MAX_SPLITS = 24
#: Re-queries after expired locators within one window.
MAX_RESTARTS = 3


class ChangeStream:
    """Reads windows of an object in (SystemModstamp, Id) order."""

    def __init__(
        self,
        client: SalesforceClient,
        rest: RestPages,
        bulk: BulkPages,
        *,
        bulk_threshold: int,
        mode: BulkMode = "auto",
    ) -> None:
        self.client = client
        self.rest = rest
        self.bulk = bulk
        self.bulk_threshold = bulk_threshold
        self.mode = mode
        self.splits = 0  # windows split after QUERY_TIMEOUT, for the run report
        self.bulk_jobs = 0

    def pages(self, obj: str, fields: Sequence[str], window: Window) -> Iterator[Page]:
        """Every record of the window, page by page."""
        select = select_list(fields, first=SYSTEM_FIELDS)
        yield from self._window(obj, select, list(fields), window, 0)

    def _window(
        self, obj: str, select: list[str], fields: list[str], window: Window, depth: int
    ) -> Iterator[Page]:
        position: Cursor | None = None
        restarts = 0
        while True:
            try:
                for page in self._read(obj, select, fields, window.resumed(position)):
                    yield page
                    position = page.cursor or position
                return
            except LocatorExpired as exc:
                restarts += 1
                if restarts > MAX_RESTARTS:
                    raise RetriableError(
                        self.client.name,
                        f"queryAll on {obj}: the query locator expired {restarts} times ({exc})",
                    ) from None
            except QueryTimeout:
                rest = window.resumed(position)
                halves = rest.halves() if depth < MAX_SPLITS else None
                if halves is None:
                    raise QueryTimeout(
                        self.client.name,
                        f"Salesforce times out on {obj} for the window {rest.describe()} even "
                        f"after {depth} splits; ask Salesforce support for a custom index on "
                        "SystemModstamp, then run again",
                    ) from None
                self.splits += 1
                for half in halves:
                    yield from self._window(obj, select, fields, half, depth + 1)
                return

    def _read(
        self, obj: str, select: list[str], fields: list[str], window: Window
    ) -> Iterator[Page]:
        if self.mode == "always":
            self.bulk_jobs += 1
            yield from self.bulk.pages(obj, select, fields, window)
            return
        reader = JsonReader(fields)
        soql = soql_select(obj, select, window.where(), ("SystemModstamp", "Id"))
        answer = self.rest.first(obj, soql)
        page = to_page(answer, reader, window.hi)
        if page.records:
            yield page
        if self.mode == "auto" and not answer["done"] and answer["totalSize"] > self.bulk_threshold:
            self.bulk_jobs += 1
            yield from self.bulk.pages(obj, select, fields, window.resumed(page.cursor))
            return
        yield from self.rest.rest(obj, answer, reader, window.hi)
