"""Archived (deleted) records: the list API with ``archived=true``, paged with ``after``.

HubSpot's search never returns archived records and archiving does not bump the modification
stamp, so deletions do not show in the change stream; the sync lists them instead, marks the
records deleted and notices a restore when an id it holds as deleted is listed no more.
"""

from __future__ import annotations

from collections.abc import Iterator

from connector.hubspot.client import HubSpotClient, next_after, results_of
from connector.hubspot.records import archived_record, stamp_property
from mappings.records import RawRecord


def archived_pages(client: HubSpotClient, obj: str) -> Iterator[list[RawRecord]]:
    """Every archived record of ``obj`` as ``RawRecord(deleted=True)``, one list page (100) at a time."""
    after: str | None = None
    while True:
        data = client.list_page(obj, after=after, archived=True, properties=[stamp_property(obj)])
        results = results_of(client.connection, f"list archived {obj}", data)
        page = [archived_record(obj, r) for r in results]
        if page:
            yield page
        after = next_after(data)
        if after is None:
            return
