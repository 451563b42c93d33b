"""The sandbox's admin API for tests: edit and count records, stamps, sessions, Salesforce faults."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING

from crm_sandbox.common.faults import Fault
from crm_sandbox.salesforce.bulk1_query import FAULT_ROUTE
from crm_sandbox.salesforce.errors import error_body, invalid_field
from crm_sandbox.salesforce.jwt_grant import verifying_key
from crm_sandbox.salesforce.soql_project import json_value
from crm_sandbox.salesforce.store import Record
from crm_sandbox.salesforce.validate import coerce

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
            self.store.update(obj.name, record_id, values, check_unique=False)
        return self.record(obj.name, record_id)

    def count_records(self, sobject: str, where: Mapping[str, object]) -> int:
        """Live records whose fields equal every value in ``where`` (strings case-insensitively,
        as Salesforce compares them); e.g. a junction row by its natural key."""
        obj = self.store.sobject(sobject)
        with self.store.lock:
            wanted = {}
            for key, raw in where.items():
                fd = obj.field(key)
                if fd is None:
                    raise invalid_field(f"No such column '{key}' on {obj.name}", [key])
                value = coerce(self.store, obj, fd, raw) if raw is not None else None
                wanted[fd.name] = value.casefold() if isinstance(value, str) else value
            return sum(
                1
                for rec in self.store.records[obj.name].values()
                if not rec["IsDeleted"]
                and all(
                    (v.casefold() if isinstance(v := rec.get(k), str) else v) == want
                    for k, want in wanted.items()
                )
            )

    def external_id_counts(self, sobject: str, field: str = "Channelsync_Id__c") -> dict[str, int]:
        """How many live records hold each value of an external-id field (none: left out);
        any count above 1 is a duplicate."""
        obj = self.store.sobject(sobject)
        fd = obj.field(field)
        if fd is None:
            raise invalid_field(f"No such column '{field}' on {obj.name}", [field])
        counts: dict[str, int] = {}
        with self.store.lock:
            for rec in self.store.records[obj.name].values():
                value = rec.get(fd.name)
                if value is not None and not rec["IsDeleted"]:
                    counts[str(value)] = counts.get(str(value), 0) + 1
        return counts

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

    def set_activated_order_statuses(self, statuses: set[str]) -> None:
        """Put these order statuses in the ``Activated`` category (the rest in ``Draft``), as an
        org's admin would; every order's ``StatusCode`` follows (its stamps do not move), and so
        do the ``OrderStatus`` records the API queries."""
        self.store.set_activated_order_statuses(frozenset(statuses))

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
