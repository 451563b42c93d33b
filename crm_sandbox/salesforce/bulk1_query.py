"""Running Bulk API 1.0 query batches: submission, PK chunking, injected failures and results.

SOQL errors do not fail the HTTP call that adds a batch: the batch ends ``Failed`` with a state
message such as ``InvalidBatch : Failed to process query: INVALID_FIELD: ... No such column``,
as on Salesforce. With ``Sforce-Enable-PKChunking`` the original batch ends ``NotProcessed`` and
one batch per chunk of the object's ids (deleted records count, as on Salesforce) does the work.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from crm_sandbox.salesforce import ids
from crm_sandbox.salesforce.bulk1_jobs import Batch, Job, PkChunking
from crm_sandbox.salesforce.bulk1_results import renderer
from crm_sandbox.salesforce.bulk1_wire import BulkApiError
from crm_sandbox.salesforce.errors import SalesforceApiError
from crm_sandbox.salesforce.soql_ast import Query
from crm_sandbox.salesforce.soql_exec import check_query, execute
from crm_sandbox.salesforce.soql_parser import parse_soql
from crm_sandbox.salesforce.store import Record

if TYPE_CHECKING:
    from crm_sandbox.salesforce.app import SalesforceSandboxApp

#: The pseudo-route ``batch-failed`` faults name (see crm_sandbox.common.faults).
FAULT_ROUTE = "bulk1.batch"
MAX_CHUNK_SIZE = 250_000
_BATCH_FAULTS = frozenset({"batch-failed"})


def failure_message(error: SalesforceApiError) -> str:
    """A batch's state message for a query Salesforce refused."""
    text = error.message.replace("\n", " ")
    return f"InvalidBatch : Failed to process query: {error.error_code}:{'' if text.startswith(' ') else ' '}{text}"


def parse_pk_chunking(header: str) -> PkChunking | None:
    """The ``Sforce-Enable-PKChunking`` header (``true``, ``chunkSize=N; startRow=ID``, ...)."""
    options = [p.strip() for p in header.split(";") if p.strip()]
    if not options or [o.lower() for o in options] == ["false"]:
        return None
    chunking = PkChunking()
    for option in options:
        key, _, value = option.partition("=")
        key = key.strip()
        if key.lower() == "true" and not value:
            continue
        if key == "chunkSize" and value.strip().isdigit():
            chunking.chunk_size = int(value)
            if not 1 <= chunking.chunk_size <= MAX_CHUNK_SIZE:
                raise BulkApiError(
                    "InvalidJob", f"chunkSize must be between 1 and {MAX_CHUNK_SIZE}: {value}"
                )
        elif key == "startRow" and ids.normalize(value.strip()):
            chunking.start_row = (ids.normalize(value.strip()) or "")[:15]
        else:
            raise BulkApiError(
                "InvalidJob",
                f"Invalid Sforce-Enable-PKChunking option '{option}': use true, false, "
                "chunkSize=<1..250000> or startRow=<record id>",
            )
    return chunking


def _bulk_query(app: SalesforceSandboxApp, job: Job, soql: str) -> Query:
    """Parse and check a batch's SOQL as the Bulk API would (SalesforceApiError if refused)."""
    query = parse_soql(soql)
    if query.count:
        raise SalesforceApiError(
            400, "FUNCTIONALITY_NOT_ENABLED", "Aggregate queries are not supported in Bulk Query"
        )
    if query.has_offset:
        raise SalesforceApiError(
            400, "FUNCTIONALITY_NOT_ENABLED", "OFFSET is not supported in Bulk Query"
        )
    obj = check_query(app.store, query)
    if obj.name != job.sobject:
        raise SalesforceApiError(
            400,
            "INVALID_TYPE",
            f"The query's sObject type '{obj.name}' does not match the job's object "
            f"'{job.sobject}'",
        )
    return query


def _add_chunks(
    app: SalesforceSandboxApp, job: Job, chunking: PkChunking, soql: str, query: Query
) -> None:
    """One batch per ``chunk_size`` ids of the object, from ``startRow`` or the first id on."""
    with app.store.lock:
        keys = sorted(i[:15] for i in app.store.records[job.sobject])
    if chunking.start_row is not None:
        keys = [k for k in keys if k >= chunking.start_row]
    lows = keys[:: chunking.chunk_size] or [chunking.start_row or "0" * 15]
    for n, low in enumerate(lows):
        high = lows[n + 1] if n + 1 < len(lows) else None
        _new_batch(app, job, soql, (low, high)).query = query


def _new_batch(
    app: SalesforceSandboxApp, job: Job, soql: str, id_range: tuple[str, str | None] | None
) -> Batch:
    batch = Batch(
        id=app.store.ids.new("751"),
        job_id=job.id,
        soql=soql,
        created=app.store.clock.next(),
        steps=app.bulk1.steps(),
        id_range=id_range,
    )
    fault = app.faults.take(FAULT_ROUTE, _BATCH_FAULTS)
    if fault is not None:
        batch.injected_failure = fault.body.decode("utf-8", "replace")
    app.bulk1.batches_created += 1
    job.batches[batch.id] = batch
    return batch


def submit(app: SalesforceSandboxApp, job: Job, soql: str) -> Batch:
    """Add a query batch (and, for a PK-chunked job, its chunk batches)."""
    if job.pk_chunking is None:
        batch = _new_batch(app, job, soql, None)
    else:
        batch = Batch(
            id=app.store.ids.new("751"),
            job_id=job.id,
            soql=soql,
            created=app.store.clock.next(),
            steps=app.bulk1.steps(),
            chunked_original=True,
        )
        job.batches[batch.id] = batch
        app.bulk1.batches_created += 1
    try:
        batch.query = _bulk_query(app, job, soql)
    except SalesforceApiError as exc:
        batch.state_message = failure_message(exc)
        return batch
    query = batch.query
    if job.pk_chunking is not None:
        if query.order or query.limit is not None:
            batch.state_message = (
                "InvalidBatch : PK chunking works only with queries that don't include "
                "subqueries or clauses other than WHERE (found ORDER BY or LIMIT)"
            )
            return batch
        _add_chunks(app, job, job.pk_chunking, soql, query)
    return batch


def finish(app: SalesforceSandboxApp, job: Job, batch: Batch) -> None:
    """Process a batch: run its query and keep its result files, or fail it."""
    if batch.chunked_original:
        batch.state = "Failed" if batch.state_message else "NotProcessed"
        return
    if batch.injected_failure is not None:
        batch.state, batch.state_message = "Failed", batch.injected_failure
        return
    if batch.query is None or batch.state_message:
        batch.state = "Failed"
        return
    extra = None
    if batch.id_range is not None:
        low, high = batch.id_range

        def extra(rec: Record) -> bool:
            key = str(rec["Id"])[:15]
            return key >= low and (high is None or key < high)

    try:
        obj, rows = execute(
            app.store, batch.query, include_deleted=job.operation == "queryAll", extra=extra
        )
    except SalesforceApiError as exc:
        batch.state, batch.state_message = "Failed", failure_message(exc)
        return
    render = renderer(job.content_type, app.store, obj, batch.query, job.version)
    size = app.bulk1.settings.rows_per_result or max(1, len(rows))
    pages = [rows[i : i + size] for i in range(0, len(rows), size)] or [[]]
    batch.results = {app.store.ids.new("752")[:15]: render(page) for page in pages}
    batch.records = len(rows)
    batch.state = "Completed"
