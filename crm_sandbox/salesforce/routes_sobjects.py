"""sObject rows: get, create, update, delete, upsert by external id, ``updated/`` and ``deleted/``."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING
from urllib.parse import unquote, unquote_plus

from crm_sandbox.common.http import Request, Response
from crm_sandbox.salesforce.derive import check_delete, check_save
from crm_sandbox.salesforce.errors import (
    SalesforceApiError,
    invalid_field,
    json_body,
    json_ok,
    not_found,
)
from crm_sandbox.salesforce.schema import ObjectDef
from crm_sandbox.salesforce.soql_project import json_value
from crm_sandbox.salesforce.store import Record, Store
from crm_sandbox.salesforce.validate import coerce, validate_payload
from crm_sandbox.salesforce.values import format_datetime, parse_datetime

if TYPE_CHECKING:
    from crm_sandbox.salesforce.app import SalesforceSandboxApp

#: From this version an upsert that updates answers 200 with a body instead of 204.
UPSERT_BODY_SINCE = 46.0


def record_json(
    obj: ObjectDef, rec: Record, version: str, fields: list[str] | None = None
) -> dict[str, object]:
    """A record as the sObject Rows resource returns it."""
    out: dict[str, object] = {
        "attributes": {
            "type": obj.name,
            "url": f"/services/data/v{version}/sobjects/{obj.name}/{rec['Id']}",
        }
    }
    names = fields if fields else [fd.name for fd in obj.fields]
    for name in names:
        fd = obj.field(name)
        if fd is None:
            raise invalid_field(f"No such column '{name}' on entity '{obj.name}'", [name])
        out[fd.name] = json_value(rec.get(fd.name))
    return out


def _body(request: Request) -> object:
    return json_body(request)


def upsert_one(
    store: Store, obj: ObjectDef, field_name: str, raw_value: str, payload: object
) -> tuple[Record, bool]:
    """Create or update the record whose external id is ``raw_value``; returns (record, created).

    Raises 300 (as a SalesforceApiError carrying the matches' ids in ``fields``) on several matches.
    """
    fd = obj.field(field_name)
    if fd is None or not (fd.external_id or fd.name == "Id"):
        raise not_found(
            f"Provided external ID field does not exist or is not accessible: {field_name}"
        )
    value = coerce(store, obj, fd, raw_value) if fd.name != "Id" else raw_value
    with store.lock:
        matches = store.find_by(obj.name, fd.name, value) if value not in (None, "") else []
        if len(matches) > 1:
            raise SalesforceApiError(
                300,
                "MULTIPLE_CHOICES",
                "more than one record found for external id field",
                [str(m["Id"]) for m in matches],
            )
        if isinstance(payload, dict):
            body_value = payload.get(fd.name)
            if body_value is not None and str(body_value) != raw_value:
                raise invalid_field(
                    f"The external ID field {fd.name} in the body does not match the URL", [fd.name]
                )
        if matches:
            values = validate_payload(store, obj, payload, creating=False)
            values.pop(fd.name, None)
            check_save(store, obj, values, matches[0])
            return store.update(obj.name, str(matches[0]["Id"]), values), False
        if fd.name == "Id" and raw_value:
            raise not_found()
        values = validate_payload(
            store,
            obj,
            {**(payload if isinstance(payload, dict) else {}), fd.name: raw_value},
            creating=True,
        )
        check_save(store, obj, values, None)
        return store.insert(obj.name, values), True


def _window(request: Request) -> tuple[datetime, datetime]:
    try:
        start = parse_datetime((request.arg("start") or "").replace(" ", "+"))
        end = parse_datetime((request.arg("end") or "").replace(" ", "+"))
    except ValueError:
        raise SalesforceApiError(
            400, "INVALID_REPLICATION_DATE", "start and end must be ISO-8601 date-times"
        ) from None
    if end < start:
        raise SalesforceApiError(400, "INVALID_REPLICATION_DATE", "end must be after start")
    return start, end


def register(app: SalesforceSandboxApp) -> None:
    """Add the sObject rows routes."""
    store = app.store

    def get(request: Request) -> Response:
        obj = store.sobject(request.params["sobject"])
        rec = store.get(obj.name, request.params["id"])
        return json_ok(record_json(obj, rec, request.params["version"], request.args("fields")))

    def create(request: Request) -> Response:
        obj = store.sobject(request.params["sobject"])
        with store.lock:
            values = validate_payload(store, obj, _body(request), creating=True)
            check_save(store, obj, values, None)
            rec = store.insert(obj.name, values)
        return json_ok({"id": rec["Id"], "success": True, "errors": []}, 201)

    def update(request: Request) -> Response:
        obj = store.sobject(request.params["sobject"])
        with store.lock:
            existing = store.get(obj.name, request.params["id"])
            values = validate_payload(store, obj, _body(request), creating=False)
            check_save(store, obj, values, existing)
            store.update(obj.name, request.params["id"], values)
        return Response(204)

    def delete(request: Request) -> Response:
        obj = store.sobject(request.params["sobject"])
        with store.lock:
            check_delete(store, obj, store.get(obj.name, request.params["id"]))
            store.delete(obj.name, request.params["id"])
        return Response(204)

    def by_external_id(request: Request) -> Response:
        obj = store.sobject(request.params["sobject"])
        fd = obj.field(request.params["field"])
        if fd is None or not fd.external_id:
            raise not_found(
                f"Provided external ID field does not exist or is not accessible: {request.params['field']}"
            )
        matches = store.find_by(
            obj.name, fd.name, coerce(store, obj, fd, unquote_plus(request.params["value"]))
        )
        version = request.params["version"]
        if not matches:
            raise not_found()
        if len(matches) > 1:
            return json_ok(
                [f"/services/data/v{version}/sobjects/{obj.name}/{m['Id']}" for m in matches], 300
            )
        return json_ok(record_json(obj, matches[0], version, request.args("fields")))

    def upsert(request: Request) -> Response:
        obj = store.sobject(request.params["sobject"])
        version = request.params["version"]
        try:
            rec, created = upsert_one(
                store,
                obj,
                request.params["field"],
                unquote(request.params["value"]),
                _body(request),
            )
        except SalesforceApiError as exc:
            if exc.status != 300:
                raise
            return json_ok(
                [f"/services/data/v{version}/sobjects/{obj.name}/{i}" for i in exc.fields], 300
            )
        body: dict[str, object] = {
            "id": rec["Id"],
            "success": True,
            "errors": [],
            "created": created,
        }
        if created:
            return json_ok(body, 201)
        if float(version) < UPSERT_BODY_SINCE:
            return Response(204)
        return json_ok(body, 200)

    def updated(request: Request) -> Response:
        obj = store.sobject(request.params["sobject"])
        start, end = _window(request)
        with store.lock:
            found = [
                r["Id"]
                for r in store.records[obj.name].values()
                if not r["IsDeleted"] and start <= r["SystemModstamp"] <= end  # type: ignore[operator]
            ]
        return json_ok(
            {
                "ids": found,
                "latestDateCovered": format_datetime(end.replace(second=0, microsecond=0)),
            }
        )

    def deleted(request: Request) -> Response:
        obj = store.sobject(request.params["sobject"])
        start, end = _window(request)
        with store.lock:
            gone = [r for r in store.records[obj.name].values() if r["IsDeleted"]]
        in_window = [r for r in gone if start <= r["SystemModstamp"] <= end]  # type: ignore[operator]
        earliest = min((r["SystemModstamp"] for r in gone), default=start)  # type: ignore[type-var]
        return json_ok(
            {
                "deletedRecords": [
                    {"id": r["Id"], "deletedDate": json_value(r["SystemModstamp"])}
                    for r in in_window
                ],
                "earliestDateAvailable": json_value(earliest),
                "latestDateCovered": format_datetime(end.replace(second=0, microsecond=0)),
            }
        )

    so = r"/sobjects/(?P<sobject>\w+)"
    app.api("POST", so + r"/?", "sobject.create", create)
    app.api("GET", so + r"/updated/?", "sobject.updated", updated)
    app.api("GET", so + r"/deleted/?", "sobject.deleted", deleted)
    app.api(
        "GET",
        so + r"/(?P<field>\w+)/(?P<value>[^/]+)",
        "sobject.get_by_external_id",
        by_external_id,
    )
    app.api("PATCH", so + r"/(?P<field>\w+)/(?P<value>[^/]+)", "sobject.upsert", upsert)
    app.api("GET", so + r"/(?P<id>[^/]+)", "sobject.get", get)
    app.api("PATCH", so + r"/(?P<id>[^/]+)", "sobject.update", update)
    app.api("DELETE", so + r"/(?P<id>[^/]+)", "sobject.delete", delete)
