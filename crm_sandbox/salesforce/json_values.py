"""Reading a JSON value as a field's type, as Salesforce's request parser does (JSON_PARSER_ERROR)."""

from __future__ import annotations

from datetime import date

from crm_sandbox.salesforce.errors import SalesforceApiError
from crm_sandbox.salesforce.schema import NUMBER_TYPES, FieldDef
from crm_sandbox.salesforce.values import Value, parse_datetime, parse_decimal


def json_error(fd: FieldDef, raw: object, kind: str) -> SalesforceApiError:
    """The parser's error for a value that is not of the field's JSON type."""
    return SalesforceApiError(
        400,
        "JSON_PARSER_ERROR",
        f"Cannot deserialize instance of {kind} from {type(raw).__name__} value {raw!r} "
        f"for field {fd.name}",
        [fd.name],
    )


def parse_json_value(fd: FieldDef, raw: object) -> Value:
    """A non-null JSON value read as the field's type; JSON_PARSER_ERROR when it cannot be."""
    t = fd.type
    if t == "boolean":
        if not isinstance(raw, bool):
            raise json_error(fd, raw, "boolean")
        return raw
    if t in NUMBER_TYPES:
        try:
            number = parse_decimal(raw)
        except ValueError:
            raise json_error(fd, raw, "double") from None
        if t == "int":
            if number != number.to_integral_value():
                raise json_error(fd, raw, "int")
            return int(number)
        return number
    if not isinstance(raw, str):
        raise json_error(fd, raw, "String")
    if t == "date":
        try:
            return date.fromisoformat(raw[:10])
        except ValueError:
            raise json_error(fd, raw, "date") from None
    if t == "datetime":
        try:
            return parse_datetime(raw)
        except ValueError:
            raise json_error(fd, raw, "datetime") from None
    return raw
