"""sObject Collections (``composite/sobjects``): create, update, upsert, delete, retrieve; ``allOrNone``.

The records are read (JSON types checked) before any is saved: one record with a value of the
wrong JSON type refuses the whole call with 400 ``JSON_PARSER_ERROR``. Everything else fails per
record (with ``allOrNone`` false the others are saved), as on Salesforce.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from crm_sandbox.common.http import Request, Response
from crm_sandbox.salesforce.derive import check_delete, check_save
from crm_sandbox.salesforce.errors import SalesforceApiError, json_body, json_ok
from crm_sandbox.salesforce.routes_sobjects import record_json, upsert_one
from crm_sandbox.salesforce.store import Store
from crm_sandbox.salesforce.validate import check_json_types, validate_payload

if TYPE_CHECKING:
    from crm_sandbox.salesforce.app import SalesforceSandboxApp

MAX_RECORDS = 200
ROLLED_BACK = SalesforceApiError(
    400,
    "ALL_OR_NONE_OPERATION_ROLLED_BACK",
    "Record rolled back because not all records were valid and the request was using AllOrNone header",
)

#: One item's work: returns its success result or raises the error it failed with.
Work = Callable[[], dict[str, object]]


def _records(
    request: Request, store: Store, sobject: str | None = None
) -> tuple[list[object], bool]:
    body = json_body(request)
    if not isinstance(body, dict) or not isinstance(body.get("records"), list):
        raise SalesforceApiError(
            400, "INVALID_FIELD", "The request body must have a 'records' list"
        )
    records: list[object] = body["records"]
    _check_size(len(records))
    for record in records:
        attrs = record.get("attributes") if isinstance(record, dict) else None
        named = attrs.get("type") if isinstance(attrs, dict) else None
        obj = store.objects.get(str(sobject or named))
        if obj is not None:
            check_json_types(obj, record)
    return records, bool(body.get("allOrNone", False))


def _check_size(n: int) -> None:
    if n > MAX_RECORDS:
        raise SalesforceApiError(
            400,
            "EXCEEDED_ID_LIMIT",
            f"record limit reached. cannot submit more than {MAX_RECORDS} records into this call",
        )


def _type_of(record: object) -> str:
    attrs = record.get("attributes") if isinstance(record, dict) else None
    type_name = attrs.get("type") if isinstance(attrs, dict) else None
    if not isinstance(type_name, str):
        raise SalesforceApiError(400, "INVALID_TYPE", "Must send a concrete entity type.")
    return type_name


def run_batch(
    app: SalesforceSandboxApp, works: list[tuple[str | None, Work]], all_or_none: bool
) -> Response:
    """Run each item's work; injected failures and ``allOrNone`` rollbacks apply here."""
    store: Store = app.store
    injected = {index: (code, message) for index, code, message in app.collection_failures}
    app.collection_failures.clear()
    results: list[dict[str, object]] = []
    failed = False
    with store.journal() as journal:
        for index, (known_id, work) in enumerate(works):
            try:
                if index in injected:
                    code, message = injected[index]
                    raise SalesforceApiError(400, code, message)
                results.append(work())
            except SalesforceApiError as exc:
                failed = True
                result: dict[str, object] = {"success": False, "errors": [exc.as_collection()]}
                if known_id is not None:
                    result = {"id": known_id, **result}
                results.append(result)
        if failed and all_or_none:
            store.rollback(journal)
            # Rolled-back creates have no record any more: their id is null.
            results = [
                r
                if not r["success"]
                else {"id": known_id, "success": False, "errors": [ROLLED_BACK.as_collection()]}
                for r, (known_id, _) in zip(results, works, strict=True)
            ]
    return json_ok(results)


def register(app: SalesforceSandboxApp) -> None:
    """Add the collection routes."""
    store = app.store

    def create(request: Request) -> Response:
        records, all_or_none = _records(request, store)

        def work(record: object) -> Work:
            def run() -> dict[str, object]:
                obj = store.sobject(_type_of(record))
                if isinstance(record, dict) and record.get("Id"):
                    raise SalesforceApiError(
                        400,
                        "INVALID_FIELD_FOR_INSERT_UPDATE",
                        "cannot specify Id in an insert call",
                        ["Id"],
                    )
                values = validate_payload(store, obj, record, creating=True)
                check_save(store, obj, values, None)
                rec = store.insert(obj.name, values)
                return {"id": rec["Id"], "success": True, "errors": []}

            return run

        return run_batch(app, [(None, work(r)) for r in records], all_or_none)

    def update(request: Request) -> Response:
        records, all_or_none = _records(request, store)

        def work(record: object) -> Work:
            def run() -> dict[str, object]:
                obj = store.sobject(_type_of(record))
                rid = record.get("Id") if isinstance(record, dict) else None
                if not isinstance(rid, str):
                    raise SalesforceApiError(
                        400, "MISSING_ARGUMENT", "Id not specified in an update call", ["Id"]
                    )
                existing = store.get(obj.name, rid)
                values = validate_payload(store, obj, record, creating=False, allow_id=True)
                check_save(store, obj, values, existing)
                rec = store.update(obj.name, rid, values)
                return {"id": rec["Id"], "success": True, "errors": []}

            return run

        return run_batch(
            app,
            [
                (str(r.get("Id")) if isinstance(r, dict) and r.get("Id") else None, work(r))
                for r in records
            ],
            all_or_none,
        )

    def upsert(request: Request) -> Response:
        obj = store.sobject(request.params["sobject"])
        records, all_or_none = _records(request, store, obj.name)
        field_name = request.params["field"]

        def work(record: object) -> Work:
            def run() -> dict[str, object]:
                if _type_of(record) != obj.name or not isinstance(record, dict):
                    raise SalesforceApiError(
                        400, "INVALID_TYPE", f"records must be of type {obj.name}"
                    )
                fd = obj.field(field_name)
                value = record.get(fd.name) if fd is not None else None
                if value is None:
                    raise SalesforceApiError(
                        400, "MISSING_ARGUMENT", f"{field_name} not specified", [field_name]
                    )
                try:
                    rec, created = upsert_one(store, obj, field_name, str(value), record)
                except SalesforceApiError as exc:
                    if exc.status == 300:
                        raise SalesforceApiError(
                            300,
                            "DUPLICATE_EXTERNAL_ID",
                            f"{field_name}: more than one record found for external id field: {exc.fields}",
                            [field_name],
                        ) from None
                    raise
                return {"id": rec["Id"], "success": True, "errors": [], "created": created}

            return run

        return run_batch(app, [(None, work(r)) for r in records], all_or_none)

    def delete(request: Request) -> Response:
        id_list = request.args("ids")
        _check_size(len(id_list))
        all_or_none = (request.arg("allOrNone") or "false").lower() == "true"

        def work(rid: str) -> Work:
            def run() -> dict[str, object]:
                found = store.find(rid)
                if found is None:
                    raise SalesforceApiError(
                        400, "INVALID_CROSS_REFERENCE_KEY", f"invalid cross reference id: {rid}"
                    )
                check_delete(store, found[0], store.get(found[0].name, rid))
                rec = store.delete(found[0].name, rid)
                return {"id": rec["Id"], "success": True, "errors": []}

            return run

        return run_batch(app, [(rid, work(rid)) for rid in id_list], all_or_none)

    def retrieve(request: Request) -> Response:
        obj = store.sobject(request.params["sobject"])
        id_list = request.args("ids")
        _check_size(len(id_list))
        fields = request.args("fields") or ["Id"]
        out: list[object] = []
        for rid in id_list:
            found = store.find(rid)
            ok = found is not None and found[0].name == obj.name and not found[1]["IsDeleted"]
            out.append(
                record_json(obj, found[1], request.params["version"], fields)
                if ok and found
                else None
            )
        return json_ok(out)

    base = r"/composite/sobjects"
    app.api("POST", base + r"/?", "composite.create", create)
    app.api("PATCH", base + r"/?", "composite.update", update)
    app.api("DELETE", base + r"/?", "composite.delete", delete)
    app.api("PATCH", base + r"/(?P<sobject>\w+)/(?P<field>\w+)/?", "composite.upsert", upsert)
    app.api("GET", base + r"/(?P<sobject>\w+)/?", "composite.retrieve", retrieve)
