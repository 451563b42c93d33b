"""REST ``query/`` and ``queryAll/``: SOQL, pages of up to 2,000 rows and relative nextRecordsUrl."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from crm_sandbox.common.http import Request, Response
from crm_sandbox.salesforce.errors import SalesforceApiError, json_ok, malformed_query
from crm_sandbox.salesforce.soql_exec import execute
from crm_sandbox.salesforce.soql_parser import parse_soql
from crm_sandbox.salesforce.soql_project import projector
from crm_sandbox.salesforce.store import Record

if TYPE_CHECKING:
    from crm_sandbox.salesforce.app import SalesforceSandboxApp

DEFAULT_BATCH = 2000
MIN_BATCH = 200
#: Open query cursors kept per org; older ones answer INVALID_QUERY_LOCATOR, as expired ones do.
MAX_CURSORS = 200


@dataclass
class Cursor:
    """An open query: matched records, how to project them and the page size."""

    rows: list[Record]
    project: Callable[[Record], dict[str, object]]
    batch: int
    endpoint: str
    version: str


def batch_size(request: Request) -> int:
    """The page size from ``Sforce-Query-Options: batchSize=N`` (200..2000, default 2000)."""
    options = request.headers.get("sforce-query-options", "")
    m = re.search(r"batchSize\s*=\s*(\d+)", options)
    if not m:
        return DEFAULT_BATCH
    return max(MIN_BATCH, min(DEFAULT_BATCH, int(m.group(1))))


def _page(app: SalesforceSandboxApp, locator: str, cursor: Cursor, start: int) -> Response:
    end = start + cursor.batch
    records = [cursor.project(rec) for rec in cursor.rows[start:end]]
    body: dict[str, object] = {"totalSize": len(cursor.rows), "done": end >= len(cursor.rows)}
    if end < len(cursor.rows):
        body["nextRecordsUrl"] = (
            f"/services/data/v{cursor.version}/{cursor.endpoint}/{locator}-{end}"
        )
    else:
        with app.store.lock:
            app.cursors.pop(locator, None)
    body["records"] = records
    return json_ok(body)


def run_query(app: SalesforceSandboxApp, request: Request, *, include_deleted: bool) -> Response:
    """Answer the first page of a SOQL query."""
    text = request.arg("q")
    if not text:
        raise malformed_query("A query string (parameter q) is required")
    query = parse_soql(text)
    version = request.params["version"]
    obj, rows = execute(app.store, query, include_deleted=include_deleted)
    if query.count:
        return json_ok({"totalSize": len(rows), "done": True, "records": []})
    cursor = Cursor(
        rows,
        projector(app.store, obj, query, version),
        batch_size(request),
        "queryAll" if include_deleted else "query",
        version,
    )
    locator = app.store.ids.new("01g")
    with app.store.lock:
        app.cursors[locator] = cursor
        while len(app.cursors) > MAX_CURSORS:
            app.cursors.popitem(last=False)
    return _page(app, locator, cursor, 0)


def query_more(app: SalesforceSandboxApp, request: Request) -> Response:
    """Answer a later page addressed by ``nextRecordsUrl``."""
    locator, _, offset = request.params["locator"].rpartition("-")
    with app.store.lock:
        cursor = app.cursors.get(locator)
    if cursor is None or not offset.isdigit():
        raise SalesforceApiError(400, "INVALID_QUERY_LOCATOR", "invalid query locator")
    return _page(app, locator, cursor, int(offset))


def register(app: SalesforceSandboxApp) -> None:
    """Add the query routes."""
    app.api("GET", r"/query/?", "query", lambda r: run_query(app, r, include_deleted=False))
    app.api("GET", r"/queryAll/?", "queryAll", lambda r: run_query(app, r, include_deleted=True))
    app.api(
        "GET",
        r"/query(?:All)?/(?P<locator>[A-Za-z0-9]+-\d+)",
        "query.more",
        lambda r: query_more(app, r),
    )
