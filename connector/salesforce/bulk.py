"""Bulk API 2.0 query jobs for big windows: create, poll, then CSV result pages by ``Sforce-Locator``.

The job runs ``queryAll`` (deletions included) without ORDER BY, which Bulk 2.0 does not support
(it would also stop the server from chunking the query), so its records come in no particular
order: every page but the last carries no cursor, and the last carries the greatest (stamp, id) of
the job. A run stopped inside a job reads that job's window again next time; nothing is lost.
CSV is decoded as UTF-8 whatever the Content-Type says, and typed from the object's describe so
values match the REST path's.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Mapping, Sequence
from functools import partial
from typing import Any

from simple_salesforce.api import Salesforce
from simple_salesforce.bulk2 import Operation, _Bulk2Client

from connector.errors import FatalError
from connector.salesforce.client import SalesforceClient
from connector.salesforce.decode import CsvReader
from connector.salesforce.soql import select as soql_select
from connector.salesforce.windows import Window
from connector.source import Cursor, Page

#: Records per results page (``maxRecords``).
DEFAULT_PAGE_RECORDS = 10_000
#: Seconds between polls of a running job: doubling from the first to the last.
POLL_FIRST_S, POLL_MAX_S = 0.5, 10.0
#: Seconds a job may run before the run gives up on it.
JOB_DEADLINE_S = 3600.0

Rows = tuple[list[str], list[list[str]], str | None]


def _jobs(sf: Salesforce, obj: str) -> Any:
    # simple-salesforce's Bulk 2.0 client: one call per method, errors raised like REST's.
    return _Bulk2Client(obj, sf.bulk2_url, sf.headers, sf.session)


def _parse(result: Mapping[str, Any]) -> Rows:
    """Header and rows of one results page; ValueError / csv.Error when it is cut or garbled."""
    rows = list(csv.reader(io.StringIO(result["records"], newline=""), strict=True))
    header, body = (rows[0], rows[1:]) if rows else ([], [])
    if len(body) != int(result["number_of_records"]):
        raise ValueError("the CSV page has fewer rows than Sforce-NumberOfRecords says")
    if {"id", "systemmodstamp", "isdeleted"} - {h.lower() for h in header}:
        raise ValueError("the CSV page has no header row")
    locator = str(result["locator"] or "") or None
    return header, body, locator


class BulkPages:
    """Bulk 2.0 query jobs of one connection."""

    def __init__(self, client: SalesforceClient, page_records: int = DEFAULT_PAGE_RECORDS) -> None:
        self.client = client
        self.page_records = page_records
        self._types: dict[str, dict[str, Any]] = {}

    def _describe(self, obj: str) -> dict[str, Any]:
        if obj not in self._types:
            answer = self.client.call(
                f"describe of {obj}", lambda sf: sf.restful(f"sobjects/{obj}/describe")
            )
            fields = answer.get("fields", []) if isinstance(answer, dict) else []
            self._types[obj] = {str(f["name"]).lower(): f for f in fields}
        return self._types[obj]

    def field_types(self, obj: str, fields: Sequence[str]) -> dict[str, str]:
        """Describe type of each field (lower-case path), following relationship paths."""
        out: dict[str, str] = {}
        for path in fields:
            current, parts = obj, path.split(".")
            for rel in parts[:-1]:
                hop = next(
                    (
                        f
                        for f in self._describe(current).values()
                        if str(f.get("relationshipName") or "").lower() == rel.lower()
                    ),
                    None,
                )
                targets = hop.get("referenceTo") if hop else None
                if not targets:
                    break
                current = str(targets[0])
            else:
                info = self._describe(current).get(parts[-1].lower())
                if info is not None:
                    out[path.lower()] = str(info.get("type", "string"))
        return out

    def _results(self, obj: str, job_id: str, locator: str, sf: Salesforce) -> Rows:
        result = _jobs(sf, obj).get_query_results(job_id, locator, self.page_records)
        return _parse(result)

    def _wait(self, obj: str, job_id: str) -> None:
        policy = self.client.retry
        started, pause = policy.clock(), POLL_FIRST_S
        while True:
            info = self.client.call(
                f"Bulk 2.0 job poll on {obj}", lambda sf: _jobs(sf, obj).get_job(job_id, True)
            )
            state = str(info.get("state", ""))
            if state == "JobComplete":
                return
            if state in ("Failed", "Aborted"):
                raise FatalError(
                    self.client.name,
                    f"the Bulk 2.0 query job {job_id} on {obj} ended {state}: "
                    f"{info.get('errorMessage') or 'no reason given'}; see Setup > Bulk Data Load Jobs",
                )
            if policy.clock() - started + pause > JOB_DEADLINE_S:
                raise FatalError(
                    self.client.name,
                    f"the Bulk 2.0 query job {job_id} on {obj} is still {state} after "
                    f"{JOB_DEADLINE_S:.0f} s; try again later or lower the window",
                )
            policy.sleep(pause)
            pause = min(POLL_MAX_S, pause * 2)

    def pages(
        self, obj: str, select: Sequence[str], fields: Sequence[str], window: Window
    ) -> Iterator[Page]:
        """The window's records through one Bulk 2.0 ``queryAll`` job, one Page per results page."""
        types = self.field_types(obj, fields)
        soql = soql_select(obj, select, window.where())
        job = self.client.call(
            f"Bulk 2.0 job creation on {obj}",
            lambda sf: _jobs(sf, obj).create_job(Operation.query_all, soql),
        )
        job_id = str(job["id"])
        self._wait(obj, job_id)
        locator: str | None = ""
        best: Cursor | None = None
        while locator is not None:
            header, rows, locator = self.client.call(
                f"Bulk 2.0 results of {obj}", partial(self._results, obj, job_id, locator)
            )
            try:
                reader = CsvReader(header, fields, types)
            except ValueError as exc:
                raise FatalError(self.client.name, f"Bulk 2.0 results of {obj}: {exc}") from None
            records = [reader.record(row) for row in rows]
            for rec in records:
                if rec.stamp < window.hi and (
                    best is None or (rec.stamp, rec.crm_id) > (best.stamp, best.last_id)
                ):
                    best = Cursor(rec.stamp, rec.crm_id)
            last = locator is None
            if records or (last and best is not None):
                yield Page(records, best if last else None)
