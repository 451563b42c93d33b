"""The sandbox's admin API for tests: edit records and stamps, expire sessions, Salesforce faults."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from crm_sandbox.common.faults import Fault
from crm_sandbox.common.http import Request, Response
from crm_sandbox.common.server import ADMIN_PREFIX
from crm_sandbox.salesforce.bulk1_query import FAULT_ROUTE
from crm_sandbox.salesforce.errors import (
    SalesforceApiError,
    error_body,
    error_response,
    invalid_field,
    json_ok,
)
from crm_sandbox.salesforce.jwt_grant import verifying_key
from crm_sandbox.salesforce.soql_project import json_value
from crm_sandbox.salesforce.store import Record
from crm_sandbox.salesforce.validate import coerce
from crm_sandbox.salesforce.values import parse_datetime

if TYPE_CHECKING:
    from crm_sandbox.salesforce.app import SalesforceSandboxApp


class SalesforceAdmin:
    """Python admin API of one sandbox app (``app.admin_api``)."""

    def __init__(self, app: SalesforceSandboxApp) -> None:
        self.app = app
        self.store = app.store

    def record(self, sobject: str, record_id: str) -> dict[str, object]:
        """A record's current values as JSON values (deleted records included)."""
        rec = self.store.get(sobject, record_id, include_deleted=True)
        return {k: json_value(v) for k, v in rec.items()}

    def change_record(
        self, sobject: str, record_id: str, fields: dict[str, object]
    ) -> dict[str, object]:
        """Change fields as a user in the org would (read-only fields too); bumps the stamps."""
        obj = self.store.sobject(sobject)
        with self.store.lock:
            values: Record = {}
            for key, raw in fields.items():
                fd = obj.field(key)
                if fd is None or fd.name in (
                    "Id",
                    "IsDeleted",
                    "SystemModstamp",
                    "LastModifiedDate",
                ):
                    raise invalid_field(f"No such settable column '{key}' on {obj.name}", [key])
                values[fd.name] = coerce(self.store, obj, fd, raw)
            self.store.update(obj.name, record_id, values)
        return self.record(obj.name, record_id)

    def edit_share(self, sobject: str, share: float, suffix: str = " *") -> int:
        """Edit every n-th live record of an object (``share`` of them): ``Name`` gains ``suffix``,
        the stamps move to now. Returns how many changed (for benchmarks of incremental pulls)."""
        if not 0 < share <= 1:
            raise ValueError(f"share must be in (0, 1], not {share}")
        obj = self.store.sobject(sobject)
        if obj.field("Name") is None:
            raise invalid_field(f"{obj.name} has no Name to edit", ["Name"])
        step = max(1, round(1 / share))
        with self.store.lock:
            live = [r for r in self.store.records.get(obj.name, {}).values() if not r["IsDeleted"]]
            chosen = live[::step]
            for rec in chosen:
                self.store.update(obj.name, str(rec["Id"]), {"Name": f"{rec['Name']}{suffix}"})
        return len(chosen)

    def delete_record(self, sobject: str, record_id: str) -> None:
        """Delete a record (it goes to the recycle bin: queryAll and deleted/ still see it)."""
        self.store.delete(sobject, record_id)

    def undelete_record(self, sobject: str, record_id: str) -> None:
        """Restore a deleted record."""
        self.store.undelete(sobject, record_id)

    def set_stamp(self, sobject: str, record_id: str, at: datetime | None = None) -> datetime:
        """Set SystemModstamp/LastModifiedDate to ``at``, or bump them to now when ``None``."""
        rec = self.store.get(sobject, record_id, include_deleted=True)
        with self.store.lock:
            self.store.touch(rec, at)
        stamp = rec["SystemModstamp"]
        assert isinstance(stamp, datetime)
        return stamp

    def expire_sessions(self) -> None:
        """Expire every issued token: clients get 401 INVALID_SESSION_ID and must log in again."""
        self.app.sessions.expire_all()

    def set_jwt_certificate(self, pem: str | None) -> None:
        """Configure the connected app's certificate (or public key) for the JWT bearer grant."""
        if pem is not None:
            verifying_key(pem)  # refuse what cannot check a signature
        self.app.credentials.jwt_certificate = pem

    def set_api_usage(self, used: int, maximum: int | None = None) -> None:
        """Set the daily API counter (and allocation); above the maximum calls get 403."""
        self.app.api_used = used
        if maximum is not None:
            self.app.daily_api_max = maximum

    def fail_request_limit(self, route: str = "*", times: int | None = 1) -> None:
        """Answer 403 REQUEST_LIMIT_EXCEEDED on the next ``times`` calls of ``route``."""
        body = error_body("REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded.")
        self.app.add_fault(Fault(route, "status", 403, body, times=times))

    def fail_query_timeout(self, route: str = "query", times: int | None = 1) -> None:
        """Answer 400 QUERY_TIMEOUT on the next ``times`` calls of ``route``."""
        body = error_body("QUERY_TIMEOUT", "Your query request was running for too long.")
        self.app.add_fault(Fault(route, "status", 400, body, times=times))

    def fail_bulk_batches(
        self,
        code: str = "QUERY_TIMEOUT",
        message: str = "Your query request was running for too long.",
        times: int | None = 1,
        skip: int = 0,
    ) -> None:
        """Make the next ``times`` Bulk API 1.0 query batches (after ``skip``) end Failed.

        Their state message reads ``InvalidBatch : Failed to process query: CODE: message``; the
        fault is a ``batch-failed`` fault on route ``bulk1.batch`` of the common fault plan.
        """
        body = f"InvalidBatch : Failed to process query: {code}: {message}".encode()
        self.app.add_fault(Fault(FAULT_ROUTE, "batch-failed", 400, body, times=times, skip=skip))

    def set_bulk_progress(
        self,
        queued_polls: int = 0,
        in_progress_polls: int = 0,
        rows_per_result: int | None = None,
    ) -> None:
        """How many looks a new Bulk API 1.0 batch stays Queued, then InProgress, before it
        finishes, and how many rows each of its result files holds (``None``: one file)."""
        settings = self.app.bulk1.settings
        settings.queued_polls = queued_polls
        settings.in_progress_polls = in_progress_polls
        settings.rows_per_result = rows_per_result

    def fail_session(self, route: str = "*", times: int | None = 1) -> None:
        """Answer 401 INVALID_SESSION_ID on the next ``times`` calls of ``route``."""
        body = error_body("INVALID_SESSION_ID", "Session expired or invalid")
        self.app.add_fault(Fault(route, "status", 401, body, times=times))

    def fail_collection_record(
        self,
        index: int,
        code: str = "FIELD_CUSTOM_VALIDATION_EXCEPTION",
        message: str = "Rejected by a validation rule in the sandbox",
    ) -> None:
        """Make record ``index`` of the next composite collection call fail with ``code``."""
        self.app.collection_failures.append((index, code, message))


def register(app: SalesforceSandboxApp) -> None:
    """Add the ``/__admin/salesforce/...`` HTTP routes."""
    api = app.admin_api
    base = ADMIN_PREFIX + "/salesforce"
    rec = base + r"/records/(?P<sobject>\w+)/(?P<id>\w+)"

    def wrap(fn: Callable[[Request], Response]) -> Callable[[Request], Response]:
        def handler(request: Request) -> Response:
            try:
                return fn(request)
            except SalesforceApiError as exc:
                return error_response(exc)
            except (ValueError, TypeError, KeyError) as exc:
                return error_response(SalesforceApiError(400, "INVALID_ADMIN_REQUEST", str(exc)))

        return handler

    def body(request: Request) -> dict[str, object]:
        data = request.json()
        return data if isinstance(data, dict) else {}

    def change(r: Request) -> Response:
        return json_ok(api.change_record(r.params["sobject"], r.params["id"], body(r)))

    def delete(r: Request) -> Response:
        api.delete_record(r.params["sobject"], r.params["id"])
        return Response(204)

    def undelete(r: Request) -> Response:
        api.undelete_record(r.params["sobject"], r.params["id"])
        return Response(204)

    def stamp(r: Request) -> Response:
        at = body(r).get("at")
        when = parse_datetime(str(at)) if at else None
        return json_ok(
            {"SystemModstamp": json_value(api.set_stamp(r.params["sobject"], r.params["id"], when))}
        )

    def edit(r: Request) -> Response:
        share = float(str(body(r).get("share", 0.01)))
        return json_ok({"edited": api.edit_share(r.params["sobject"], share)})

    def bulk_progress(r: Request) -> Response:
        data = body(r)
        rows = data.get("rows_per_result")
        api.set_bulk_progress(
            int(str(data.get("queued_polls", 0))),
            int(str(data.get("in_progress_polls", 0))),
            None if rows is None else int(str(rows)),
        )
        return Response(204)

    def expire(r: Request) -> Response:
        api.expire_sessions()
        return Response(204)

    def jwt_certificate(r: Request) -> Response:
        pem = body(r).get("certificate")
        api.set_jwt_certificate(None if pem is None else str(pem))
        return Response(204)

    def usage(r: Request) -> Response:
        data = body(r)
        maximum = data.get("max")
        api.set_api_usage(int(str(data["used"])), None if maximum is None else int(str(maximum)))
        return Response(204)

    def fault(r: Request) -> Response:
        data = body(r)
        kind = r.params["kind"]
        times_raw = data.get("times", 1)
        times = None if times_raw is None else int(str(times_raw))
        if kind == "request-limit":
            api.fail_request_limit(str(data.get("route", "*")), times)
        elif kind == "query-timeout":
            api.fail_query_timeout(str(data.get("route", "query")), times)
        elif kind == "bulk-batch":
            api.fail_bulk_batches(
                str(data.get("code", "QUERY_TIMEOUT")),
                str(data.get("message", "Your query request was running for too long.")),
                times,
                int(str(data.get("skip", 0))),
            )
        elif kind == "session-expired":
            api.fail_session(str(data.get("route", "*")), times)
        elif kind == "collection-record":
            api.fail_collection_record(
                int(str(data["index"])),
                str(data.get("code", "FIELD_CUSTOM_VALIDATION_EXCEPTION")),
                str(data.get("message", "Rejected by a validation rule in the sandbox")),
            )
        else:
            raise ValueError(f"unknown Salesforce fault kind {kind!r}")
        return Response(204)

    app.admin.add(
        "GET",
        rec,
        "admin.sf.record",
        wrap(lambda r: json_ok(api.record(r.params["sobject"], r.params["id"]))),
    )
    app.admin.add("PATCH", rec, "admin.sf.change", wrap(change))
    app.admin.add("DELETE", rec, "admin.sf.delete", wrap(delete))
    app.admin.add("POST", rec + "/undelete", "admin.sf.undelete", wrap(undelete))
    app.admin.add("POST", rec + "/stamp", "admin.sf.stamp", wrap(stamp))
    app.admin.add("POST", base + "/sessions/expire", "admin.sf.expire", wrap(expire))
    app.admin.add("POST", base + "/usage", "admin.sf.usage", wrap(usage))
    app.admin.add("PUT", base + "/jwt-certificate", "admin.sf.jwt", wrap(jwt_certificate))
    app.admin.add("POST", base + "/bulk1", "admin.sf.bulk1", wrap(bulk_progress))
    app.admin.add("POST", base + r"/edit/(?P<sobject>\w+)", "admin.sf.edit", wrap(edit))
    app.admin.add("POST", base + r"/faults/(?P<kind>[\w-]+)", "admin.sf.fault", wrap(fault))
