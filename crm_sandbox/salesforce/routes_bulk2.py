"""Bulk API 2.0 query jobs: create (done at once), poll, CSV result pages with ``Sforce-Locator``."""

from __future__ import annotations

import base64
import csv
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from crm_sandbox.common.http import Request, Response
from crm_sandbox.salesforce.auth import USER_ID
from crm_sandbox.salesforce.errors import SalesforceApiError, json_body, json_ok, not_found
from crm_sandbox.salesforce.soql_exec import execute
from crm_sandbox.salesforce.soql_parser import parse_soql
from crm_sandbox.salesforce.soql_paths import resolve
from crm_sandbox.salesforce.store import Record
from crm_sandbox.salesforce.values import Value, csv_text, format_datetime

if TYPE_CHECKING:
    from crm_sandbox.salesforce.app import SalesforceSandboxApp

DELIMITERS = {
    "COMMA": ",",
    "TAB": "\t",
    "PIPE": "|",
    "SEMICOLON": ";",
    "CARET": "^",
    "BACKQUOTE": "`",
}
LINE_ENDINGS = {"LF": "\n", "CRLF": "\r\n"}
#: What Salesforce sends: no charset, so clients must decode the UTF-8 bytes themselves.
CSV_TYPE = "text/csv"
DEFAULT_MAX_RECORDS = 50_000


@dataclass
class QueryJob:
    """A Bulk 2.0 query job; its rows are selected when it is created."""

    id: str
    operation: str
    sobject: str
    version: str
    created: datetime
    delimiter: str
    line_ending: str
    header: list[str]
    getters: list[Callable[[Record], Value]]
    rows: list[Record]
    state: str = "UploadComplete"
    polled: bool = field(default=False)

    def info(self) -> dict[str, object]:
        """The job info JSON."""
        return {
            "id": self.id,
            "operation": self.operation,
            "object": self.sobject,
            "createdById": USER_ID,
            "createdDate": format_datetime(self.created),
            "systemModstamp": format_datetime(self.created),
            "state": self.state,
            "concurrencyMode": "Parallel",
            "contentType": "CSV",
            "apiVersion": float(self.version),
            "jobType": "V2Query",
            "lineEnding": self.line_ending,
            "columnDelimiter": self.delimiter,
            "numberRecordsProcessed": len(self.rows) if self.state == "JobComplete" else 0,
            "retries": 0,
            "totalProcessingTime": 0,
        }


def _locator(offset: int) -> str:
    return base64.b64encode(str(offset).encode()).decode().rstrip("=")


def _offset(locator: str) -> int:
    try:
        return int(base64.b64decode(locator + "=" * (-len(locator) % 4)).decode())
    except ValueError:
        raise SalesforceApiError(400, "INVALIDLOCATOR", f"Invalid locator: {locator}") from None


def create_job(app: SalesforceSandboxApp, request: Request) -> Response:
    """``POST jobs/query``: parse and run the query now; the job answers JobComplete when polled."""
    body = json_body(request)
    if not isinstance(body, dict) or not isinstance(body.get("query"), str):
        raise SalesforceApiError(400, "INVALIDJOB", "A query job needs 'operation' and 'query'")
    operation = str(body.get("operation", "query"))
    delimiter = str(body.get("columnDelimiter", "COMMA"))
    ending = str(body.get("lineEnding", "LF"))
    if (
        operation not in ("query", "queryAll")
        or delimiter not in DELIMITERS
        or ending not in LINE_ENDINGS
    ):
        raise SalesforceApiError(
            400, "INVALIDJOB", "Invalid operation, columnDelimiter or lineEnding"
        )
    query = parse_soql(body["query"])
    if query.count or query.has_offset:
        raise SalesforceApiError(
            400,
            "INVALIDJOB",
            "Bulk API 2.0 does not support aggregate functions such as COUNT() or OFFSET",
        )
    obj, rows = execute(app.store, query, include_deleted=operation == "queryAll")
    paths = [resolve(app.store, obj, parts) for parts in query.fields]
    header = [
        ".".join([*(ref.relationship_name or "" for ref, _ in p.hops), p.field.name]) for p in paths
    ]
    job = QueryJob(
        id=app.store.ids.new("750"),
        operation=operation,
        sobject=obj.name,
        version=request.params["version"],
        created=app.store.clock.next(),
        delimiter=delimiter,
        line_ending=ending,
        header=header,
        getters=[p.getter for p in paths],
        rows=rows,
    )
    app.jobs[job.id] = job
    return json_ok(job.info())


def _job(app: SalesforceSandboxApp, request: Request) -> QueryJob:
    job = app.jobs.get(request.params["job"])
    if job is None:
        raise not_found()
    return job


def get_job(app: SalesforceSandboxApp, request: Request) -> Response:
    """Poll a job: it is complete by the first poll."""
    job = _job(app, request)
    if job.state == "UploadComplete":
        job.state = "JobComplete"
    return json_ok(job.info())


def results(app: SalesforceSandboxApp, request: Request) -> Response:
    """One CSV page of results; ``Sforce-Locator`` names the next page or is ``null``."""
    job = _job(app, request)
    if job.state not in ("JobComplete", "UploadComplete"):
        raise SalesforceApiError(400, "INVALIDJOB", f"Job {job.id} is {job.state}")
    job.state = "JobComplete"
    start = _offset(request.arg("locator") or "") if request.arg("locator") else 0
    raw_max = request.arg("maxRecords") or str(DEFAULT_MAX_RECORDS)
    if not raw_max.isdigit() or int(raw_max) < 1:
        raise SalesforceApiError(400, "INVALIDJOB", "maxRecords must be a positive integer")
    end = min(len(job.rows), start + int(raw_max))
    buf = io.StringIO()
    writer = csv.writer(
        buf,
        delimiter=DELIMITERS[job.delimiter],
        lineterminator=LINE_ENDINGS[job.line_ending],
        quoting=csv.QUOTE_MINIMAL,
    )
    writer.writerow(job.header)
    getters = job.getters
    writer.writerows([csv_text(g(rec)) for g in getters] for rec in job.rows[start:end])
    headers = {
        "Content-Type": CSV_TYPE,
        "Sforce-Locator": _locator(end) if end < len(job.rows) else "null",
        "Sforce-NumberOfRecords": str(end - start),
    }
    return Response(200, buf.getvalue().encode("utf-8"), headers)


def register(app: SalesforceSandboxApp) -> None:
    """Add the Bulk 2.0 query routes."""

    def list_jobs(request: Request) -> Response:
        return json_ok(
            {"done": True, "records": [j.info() for j in app.jobs.values()], "nextRecordsUrl": None}
        )

    def abort(request: Request) -> Response:
        job = _job(app, request)
        body = json_body(request)
        if not isinstance(body, dict) or body.get("state") != "Aborted":
            raise SalesforceApiError(
                400, "INVALIDJOB", "Only state Aborted can be set on a query job"
            )
        if job.state != "JobComplete":
            job.state = "Aborted"
        return json_ok(job.info())

    def delete(request: Request) -> Response:
        _job(app, request)
        del app.jobs[request.params["job"]]
        return Response(204)

    jobs = r"/jobs/query"
    app.api("POST", jobs + r"/?", "bulk2.query.create", lambda r: create_job(app, r))
    app.api("GET", jobs + r"/?", "bulk2.query.list", list_jobs)
    app.api(
        "GET", jobs + r"/(?P<job>\w+)/results/?", "bulk2.query.results", lambda r: results(app, r)
    )
    app.api("GET", jobs + r"/(?P<job>\w+)/?", "bulk2.query.get", lambda r: get_job(app, r))
    app.api("PATCH", jobs + r"/(?P<job>\w+)/?", "bulk2.query.abort", abort)
    app.api("DELETE", jobs + r"/(?P<job>\w+)/?", "bulk2.query.delete", delete)
