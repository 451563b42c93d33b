"""REST ``queryAll`` paging: one counted call per answer, following ``nextRecordsUrl``.

``Sforce-Query-Options: batchSize=N`` asks for pages of N records (Salesforce may send fewer). An
answer that is not a query result (a cut or garbled body that still parsed) counts as malformed, so
the shared retry policy asks again.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from connector.salesforce.client import SalesforceClient
from connector.salesforce.decode import JsonReader
from connector.source import Cursor, Page
from mappings.records import RawRecord

Answer = dict[str, Any]


def _checked(answer: object) -> Answer:
    if (
        not isinstance(answer, dict)
        or not isinstance(answer.get("records"), list)
        or not isinstance(answer.get("done"), bool)
        or not isinstance(answer.get("totalSize"), int)
        or (not answer["done"] and not isinstance(answer.get("nextRecordsUrl"), str))
    ):
        raise ValueError("not a query result")
    return answer


def last_below(records: list[RawRecord], hi: datetime | None) -> Cursor | None:
    """The cursor after ``records``: the last one stamped below ``hi``.

    A record changed while the stream was being read may come back stamped after the window; it is
    passed on, but the cursor does not jump past records the window has not covered (it is read
    again next run, its new stamp being after the cursor).
    """
    for rec in reversed(records):
        if hi is None or rec.stamp < hi:
            return Cursor(rec.stamp, rec.crm_id)
    return None


def to_page(answer: Answer, reader: JsonReader, hi: datetime | None = None) -> Page:
    """The records of one answer; the cursor is its last record's (stamp, id)."""
    records = [reader.record(rec) for rec in answer["records"]]
    return Page(records, last_below(records, hi))


class RestPages:
    """REST queries of one connection, page by page."""

    def __init__(self, client: SalesforceClient, page_size: int) -> None:
        self.client = client
        self.headers = {"Sforce-Query-Options": f"batchSize={page_size}"}

    def first(self, obj: str, soql: str) -> Answer:
        """The first answer of a ``queryAll`` (deleted records included)."""
        return self.client.call(
            f"queryAll on {obj}",
            lambda sf: _checked(sf.query(soql, include_deleted=True, headers=self.headers)),
        )

    def more(self, obj: str, next_url: str) -> Answer:
        """The answer at ``nextRecordsUrl``."""
        return self.client.call(
            f"queryAll page on {obj}",
            lambda sf: _checked(
                sf.query_more(next_url, identifier_is_url=True, headers=self.headers)
            ),
        )

    def rest(
        self, obj: str, answer: Answer, reader: JsonReader, hi: datetime | None = None
    ) -> Iterator[Page]:
        """Pages after ``answer``, one per call, until the query is done."""
        while not answer["done"]:
            answer = self.more(obj, answer["nextRecordsUrl"])
            page = to_page(answer, reader, hi)
            if page.records:
                yield page

    def pages(self, obj: str, soql: str, reader: JsonReader) -> Iterator[Page]:
        """Every page of a query, one per call."""
        answer = self.first(obj, soql)
        page = to_page(answer, reader)
        if page.records:
            yield page
        yield from self.rest(obj, answer, reader)
