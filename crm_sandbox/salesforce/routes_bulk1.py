"""Bulk API 1.0 (``/services/async/{version}/job...``) query jobs over HTTP.

Auth is the ``X-SFDC-Session`` header. Job resources answer in JSON when the request's
Content-Type is JSON and in XML otherwise; batch resources answer in the job's content type
(JSON for JSON jobs, XML for CSV and XML jobs). Errors are the Bulk API's own
``exceptionCode`` / ``exceptionMessage`` bodies; any other path under ``/services/async`` is
InvalidUrl, never the REST API's 404.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from crm_sandbox.common.http import Request, Response
from crm_sandbox.salesforce import bulk1_query
from crm_sandbox.salesforce.auth import USER_ID
from crm_sandbox.salesforce.bulk1_jobs import (
    BATCH_TYPES,
    CONTENT_TYPES,
    INGEST_OPERATIONS,
    OPERATIONS,
    Batch,
    Job,
)
from crm_sandbox.salesforce.bulk1_results import CSV_TYPE
from crm_sandbox.salesforce.bulk1_wire import (
    JSON_TYPE,
    XML_TYPE,
    BulkApiError,
    error_response,
    media_type,
    parse_info,
    render,
    render_list,
    render_result_list,
    wants_json,
)
from crm_sandbox.salesforce.errors import SalesforceApiError

if TYPE_CHECKING:
    from crm_sandbox.salesforce.app import SalesforceSandboxApp

BASE = r"/services/async/(?P<version>\d+\.\d)"
JOB = BASE + r"/job/(?P<job>\w+)"
BATCH = JOB + r"/batch/(?P<batch>\w+)"
#: jobInfo elements a client may send when creating or updating a job.
_JOB_KEYS = frozenset(
    {"operation", "object", "contentType", "concurrencyMode", "state"}
    | {"externalIdFieldName", "assignmentRuleId", "numberRetries", "id", "apiVersion"}
)
_CONCURRENCY = {"": "Parallel", "0": "Parallel", "Parallel": "Parallel"} | {
    "1": "Serial",
    "Serial": "Serial",
}
_RESULT_TYPES = {"CSV": CSV_TYPE, "JSON": JSON_TYPE, "XML": XML_TYPE}


def _job_fields(job: Job, as_json: bool) -> list[tuple[str, object]]:
    return job.json_info() if as_json else job.info()


def _batch_fields(batch: Batch, job: Job) -> list[tuple[str, object]]:
    return batch.json_info() if job.content_type == "JSON" else batch.info()


def create_job(app: SalesforceSandboxApp, request: Request) -> Response:
    """``POST job``: a query or queryAll job on one object."""
    fields = parse_info(request, "jobInfo")
    unknown = sorted(set(fields) - _JOB_KEYS)
    if unknown:
        raise BulkApiError("InvalidJob", f"Unrecognized field in jobInfo: {unknown[0]}")
    operation = fields.get("operation", "")
    if operation in INGEST_OPERATIONS:
        raise BulkApiError(
            "FeatureNotEnabled",
            f"The channelsync Salesforce sandbox serves Bulk API 1.0 query and queryAll jobs "
            f"only, not {operation}: write through the REST or composite API",
        )
    if operation not in OPERATIONS:
        raise BulkApiError("InvalidJob", f"Invalid operation: '{operation}'")
    name = fields.get("object", "")
    sobject = next((o for o in app.store.objects if o.lower() == name.lower()), None)
    if sobject is None:
        raise BulkApiError("InvalidJob", f"Unable to find object: {name}")
    content_type = fields.get("contentType") or "XML"
    if content_type not in CONTENT_TYPES:
        raise BulkApiError(
            "InvalidJob", f"Invalid contentType for a query job: '{content_type}' (CSV, XML, JSON)"
        )
    concurrency = _CONCURRENCY.get(fields.get("concurrencyMode", ""))
    if concurrency is None:
        raise BulkApiError("InvalidJob", f"Invalid concurrencyMode: {fields['concurrencyMode']}")
    header = request.headers.get("sforce-enable-pkchunking", "")
    job = Job(
        id=app.store.ids.new("750"),
        operation=operation,
        sobject=sobject,
        content_type=content_type,
        concurrency=concurrency,
        version=request.params["version"],
        created_by=USER_ID,
        created=app.store.clock.next(),
        pk_chunking=bulk1_query.parse_pk_chunking(header) if header else None,
    )
    app.bulk1.jobs[job.id] = job
    as_json = wants_json(request)
    return render(_job_fields(job, as_json), "jobInfo", as_json, 201)


def add_batch(app: SalesforceSandboxApp, request: Request, job: Job) -> Response:
    """``POST job/{id}/batch``: the body is the SOQL, sent with the job's content type."""
    if job.state != "Open":
        raise BulkApiError("InvalidJobState", f"Job {job.id} is not open: its state is {job.state}")
    kind = media_type(request)
    if kind not in BATCH_TYPES[job.content_type]:
        raise BulkApiError(
            "InvalidBatch",
            f"The batch's Content-Type '{kind or '(none)'}' does not match the job's content "
            f"type {job.content_type} ({CONTENT_TYPES[job.content_type]})",
        )
    soql = request.body.decode("utf-8", "replace").strip()
    if not soql:
        raise BulkApiError("InvalidBatch", "The batch is empty: send the SOQL query as its body")
    batch = bulk1_query.submit(app, job, soql)
    response = render(_batch_fields(batch, job), "batchInfo", job.content_type == "JSON", 201)
    response.headers["Location"] = f"/services/async/{job.version}/job/{job.id}/batch/{batch.id}"
    return response


def _completed(app: SalesforceSandboxApp, job: Job, batch_id: str) -> Batch:
    batch = app.bulk1.batch(job, batch_id)
    if batch.state != "Completed":
        raise BulkApiError("InvalidBatch", "Batch not completed")
    return batch


def register(app: SalesforceSandboxApp) -> None:
    """Add the Bulk API 1.0 routes (and InvalidUrl for anything else under /services/async)."""
    jobs = app.bulk1

    def wrap(fn: Callable[[Request], Response]) -> Callable[[Request], Response]:
        def handler(request: Request) -> Response:
            as_json = wants_json(request)
            try:
                token = request.headers.get("x-sfdc-session", "").strip()
                if not app.sessions.valid(token):
                    raise BulkApiError("InvalidSessionId", "Invalid session id")
                try:
                    app.charge(request)
                except SalesforceApiError:
                    raise BulkApiError("ExceededQuota", "TotalRequests Limit exceeded.") from None
                with jobs.lock:
                    return fn(request)
            except BulkApiError as exc:
                return error_response(exc, as_json)

        return handler

    def job_of(request: Request, observe: bool = True) -> Job:
        job = jobs.get(request.params["job"])
        if observe:
            jobs.observe(job, lambda b: bulk1_query.finish(app, job, b), app.store.clock.next())
        return job

    def get_job(request: Request) -> Response:
        as_json = wants_json(request)
        return render(_job_fields(job_of(request), as_json), "jobInfo", as_json)

    def update_job(request: Request) -> Response:
        job = job_of(request, observe=False)
        state = parse_info(request, "jobInfo").get("state", "")
        jobs.set_state(job, state, app.store.clock.next())
        as_json = wants_json(request)
        return render(_job_fields(job, as_json), "jobInfo", as_json)

    def list_batches(request: Request) -> Response:
        job = job_of(request)
        return render_list(
            [_batch_fields(b, job) for b in job.batches.values()], job.content_type == "JSON"
        )

    def get_batch(request: Request) -> Response:
        job = job_of(request)
        batch = jobs.batch(job, request.params["batch"])
        return render(_batch_fields(batch, job), "batchInfo", job.content_type == "JSON")

    def batch_request(request: Request) -> Response:
        job = job_of(request, observe=False)
        batch = jobs.batch(job, request.params["batch"])
        return Response(200, batch.soql.encode(), {"Content-Type": "text/plain"})

    def result_list(request: Request) -> Response:
        job = job_of(request, observe=False)
        batch = _completed(app, job, request.params["batch"])
        return render_result_list(list(batch.results), job.content_type == "JSON")

    def result(request: Request) -> Response:
        job = job_of(request, observe=False)
        batch = _completed(app, job, request.params["batch"])
        body = batch.results.get(request.params["result"])
        if body is None:
            raise BulkApiError("InvalidBatch", f"Invalid result id: {request.params['result']}")
        return Response(200, body, {"Content-Type": _RESULT_TYPES[job.content_type]})

    def unknown(request: Request) -> Response:
        raise BulkApiError(
            "InvalidUrl", f"Unknown Bulk API URL: {request.method} {request.path}", 404
        )

    add = app.router.add
    add("POST", BASE + r"/job/?", "bulk1.job.create", wrap(lambda r: create_job(app, r)))
    add("GET", JOB + r"/?", "bulk1.job.get", wrap(get_job))
    add("POST", JOB + r"/?", "bulk1.job.update", wrap(update_job))
    add(
        "POST",
        JOB + r"/batch/?",
        "bulk1.batch.create",
        wrap(lambda r: add_batch(app, r, job_of(r, False))),
    )
    add("GET", JOB + r"/batch/?", "bulk1.batch.list", wrap(list_batches))
    add("GET", BATCH + r"/?", "bulk1.batch.get", wrap(get_batch))
    add("GET", BATCH + r"/request/?", "bulk1.batch.request", wrap(batch_request))
    add("GET", BATCH + r"/result/?", "bulk1.batch.results", wrap(result_list))
    add("GET", BATCH + r"/result/(?P<result>\w+)/?", "bulk1.batch.result", wrap(result))
    for method in ("GET", "POST", "PUT", "PATCH", "DELETE"):
        add(method, r"/services/async(?:/.*)?", "bulk1.unknown", wrap(unknown))
