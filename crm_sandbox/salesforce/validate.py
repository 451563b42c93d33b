"""Validation of REST write payloads like the real API: unknown, read-only, mistyped and missing fields.

Two stages, as on the platform. Reading the JSON into typed values (:func:`parse_json_value`)
fails with ``JSON_PARSER_ERROR`` when a value has the wrong JSON type; an sObject Collections
call checks that for every record before it saves any, so one such record refuses the whole
call (:func:`check_json_types`). Saving then checks each record on its own (required, length,
restricted picklists, references), giving per-record errors in a collection. A relationship
reference by external id (``"Account": {"Channelsync_Id__c": "..."}``) is resolved to the id it
names (:mod:`.references`).
"""

from __future__ import annotations

from crm_sandbox.salesforce import ids
from crm_sandbox.salesforce.errors import SalesforceApiError, invalid_field
from crm_sandbox.salesforce.json_values import json_error, parse_json_value
from crm_sandbox.salesforce.references import resolve_reference
from crm_sandbox.salesforce.schema import FieldDef, ObjectDef
from crm_sandbox.salesforce.store import Record, Store
from crm_sandbox.salesforce.values import Value


def coerce(store: Store, obj: ObjectDef, fd: FieldDef, raw: object) -> Value:
    """Turn one JSON value into the field's typed value, or raise the real API's error."""
    if raw is None:
        if fd.required:
            raise SalesforceApiError(
                400,
                "REQUIRED_FIELD_MISSING",
                f"Required fields are missing: [{fd.name}]",
                [fd.name],
            )
        return False if fd.type == "boolean" else None
    value = parse_json_value(fd, raw)
    if not isinstance(value, str):
        return value
    if fd.type == "reference":
        return _reference(store, fd, value)
    if len(value) > fd.length:
        raise SalesforceApiError(
            400,
            "STRING_TOO_LONG",
            f"{fd.label}: data value too large: {value[:40]} (max length={fd.length})",
            [fd.name],
        )
    if fd.restricted and value not in fd.picklist:
        raise SalesforceApiError(
            400,
            "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
            f"{fd.label}: bad value for restricted picklist field: {value}",
            [fd.name],
        )
    return value


def _reference(store: Store, fd: FieldDef, raw: str) -> str | None:
    if raw == "":
        return None
    norm = ids.normalize(raw)
    target = store.type_of(norm) if norm else None
    if norm is None or target is None or target.name not in fd.reference_to:
        raise SalesforceApiError(
            400,
            "MALFORMED_ID",
            f"{fd.label}: id value of incorrect type: {raw}",
            [fd.name],
        )
    rec = store.records[target.name].get(norm)
    if rec is None or rec["IsDeleted"]:
        raise SalesforceApiError(
            400,
            "INVALID_CROSS_REFERENCE_KEY",
            f"invalid cross reference id: {raw}",
            [fd.name],
        )
    return norm


def check_json_types(obj: ObjectDef, payload: object) -> None:
    """JSON_PARSER_ERROR for a value of the wrong JSON type (what fails a whole collection call)."""
    if not isinstance(payload, dict):
        return
    for key, raw in payload.items():
        if key == "attributes" or raw is None:
            continue
        fd = obj.field(key)
        if fd is not None:
            parse_json_value(fd, raw)
            continue
        rel = obj.relationship(key)
        if rel is not None and not isinstance(raw, dict):
            raise json_error(rel, raw, rel.reference_to[0])


def _one_way_to_each_parent(obj: ObjectDef, payload: dict[str, object]) -> None:
    """INVALID_FIELD when a record names a parent both by external id and by record id."""
    given = {k.lower() for k in payload}
    for key in payload:
        rel = obj.relationship(key) if obj.field(key) is None else None
        if rel is not None and rel.name.lower() in given:
            raise invalid_field(
                f"Cannot specify both an external ID reference {key} and a salesforce id, "
                f"{rel.name}",
                [rel.name],
            )


def validate_payload(
    store: Store,
    obj: ObjectDef,
    payload: object,
    *,
    creating: bool,
    allow_id: bool = False,
) -> Record:
    """Check a create/update body and return typed values keyed by the fields' real names."""
    if not isinstance(payload, dict):
        raise SalesforceApiError(
            400, "JSON_PARSER_ERROR", "The request body must be a JSON object of field values"
        )
    _one_way_to_each_parent(obj, payload)
    out: Record = {}
    for key, raw in payload.items():
        if key == "attributes" or (allow_id and key == "Id"):
            continue
        fd = obj.field(key)
        rel = obj.relationship(key) if fd is None else None
        if fd is None and rel is None:
            raise invalid_field(f"No such column '{key}' on sobject of type {obj.name}", [key])
        target = fd or rel
        assert target is not None
        writable = target.createable if creating else target.updateable
        if not writable:
            raise SalesforceApiError(
                400,
                "INVALID_FIELD_FOR_INSERT_UPDATE",
                f"Unable to create/update fields: {target.name}. Please check the security "
                "settings of this field and verify that it is read/write for your profile or "
                "permission set.",
                [target.name],
            )
        if rel is not None:
            out[rel.name] = resolve_reference(store, rel, key, raw)
        elif fd is not None:
            out[fd.name] = coerce(store, obj, fd, raw)
    if creating:
        missing = [fd.name for fd in obj.fields if fd.required and out.get(fd.name) is None]
        if missing:
            raise SalesforceApiError(
                400,
                "REQUIRED_FIELD_MISSING",
                f"Required fields are missing: [{', '.join(missing)}]",
                missing,
            )
    return out
