"""Validation of REST write payloads like the real API: unknown, read-only, mistyped and missing fields."""

from __future__ import annotations

from datetime import date

from crm_sandbox.salesforce import ids
from crm_sandbox.salesforce.errors import SalesforceApiError, invalid_field
from crm_sandbox.salesforce.schema import NUMBER_TYPES, FieldDef, ObjectDef
from crm_sandbox.salesforce.store import Record, Store
from crm_sandbox.salesforce.values import Value, parse_datetime, parse_decimal


def _json_error(fd: FieldDef, raw: object, kind: str) -> SalesforceApiError:
    return SalesforceApiError(
        400,
        "JSON_PARSER_ERROR",
        f"Cannot deserialize instance of {kind} from {type(raw).__name__} value {raw!r} "
        f"for field {fd.name}",
        [fd.name],
    )


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
    t = fd.type
    if t == "boolean":
        if not isinstance(raw, bool):
            raise _json_error(fd, raw, "boolean")
        return raw
    if t in NUMBER_TYPES:
        try:
            number = parse_decimal(raw)
        except ValueError:
            raise _json_error(fd, raw, "double") from None
        if t == "int":
            if number != number.to_integral_value():
                raise _json_error(fd, raw, "int")
            return int(number)
        return number
    if not isinstance(raw, str):
        raise _json_error(fd, raw, "String")
    if t == "date":
        try:
            return date.fromisoformat(raw[:10])
        except ValueError:
            raise _json_error(fd, raw, "date") from None
    if t == "datetime":
        try:
            return parse_datetime(raw)
        except ValueError:
            raise _json_error(fd, raw, "datetime") from None
    if t == "reference":
        return _reference(store, fd, raw)
    if len(raw) > fd.length:
        raise SalesforceApiError(
            400,
            "STRING_TOO_LONG",
            f"{fd.label}: data value too large: {raw[:40]} (max length={fd.length})",
            [fd.name],
        )
    return raw


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
    out: Record = {}
    for key, raw in payload.items():
        if key == "attributes" or (allow_id and key == "Id"):
            continue
        fd = obj.field(key)
        if fd is None:
            raise invalid_field(f"No such column '{key}' on sobject of type {obj.name}", [key])
        writable = fd.createable if creating else fd.updateable
        if not writable:
            raise SalesforceApiError(
                400,
                "INVALID_FIELD_FOR_INSERT_UPDATE",
                f"Unable to create/update fields: {fd.name}. Please check the security settings "
                "of this field and verify that it is read/write for your profile or permission set.",
                [fd.name],
            )
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
