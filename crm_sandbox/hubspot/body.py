"""Request bodies as HubSpot's JSON layer reads them, refusing what it would refuse.

HubSpot deserialises bodies with Jackson into typed models, so a body it cannot read gets a 400
``VALIDATION_ERROR`` whose message starts ``Invalid input JSON``: a syntax error names the line
and column, a required attribute that is missing reads ``Cannot build Filter, some of required
attributes are not set [propertyName, operator]``, and a value of the wrong JSON type reads
``Cannot deserialize value of type `java.lang.String` from Array value``. Scalars are coerced as
Jackson coerces them (a number or boolean where a string is expected becomes its text). Fields a
model does not declare are refused too: the sandbox never answers a question it did not read.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any


class InvalidBody(ValueError):
    """The body cannot be read as the endpoint's model (answered with a 400 ``VALIDATION_ERROR``)."""


def _no_constant(name: str) -> Any:
    raise InvalidBody(f"Invalid input JSON: Non-standard token '{name}'")


def parse_json(raw: bytes) -> Any:
    """The body's JSON value; :class:`InvalidBody` with HubSpot's message when it is not JSON."""
    if not raw.strip():
        raise InvalidBody("Invalid input JSON: No content to map due to end-of-input")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise InvalidBody(
            f"Invalid input JSON on line {line}, column {column}: "
            f"Invalid UTF-8 start byte 0x{raw[exc.start]:02x}"
        ) from None
    try:
        return json.loads(text, parse_constant=_no_constant)
    except json.JSONDecodeError as exc:
        raise InvalidBody(
            f"Invalid input JSON on line {exc.lineno}, column {exc.colno}: {exc.msg}"
        ) from None


def _kind(value: Any) -> str:
    if isinstance(value, list):
        return "Array value (token `JsonToken.START_ARRAY`)"
    if isinstance(value, dict):
        return "Object value (token `JsonToken.START_OBJECT`)"
    if isinstance(value, str):
        return "String value (token `JsonToken.VALUE_STRING`)"
    if value is None:
        return "Null value (token `JsonToken.VALUE_NULL`)"
    if isinstance(value, bool):
        return f"Boolean value (token `JsonToken.VALUE_{str(value).upper()}`)"
    if isinstance(value, float):
        return "Floating-point value (token `JsonToken.VALUE_NUMBER_FLOAT`)"
    return "Integer value (token `JsonToken.VALUE_NUMBER_INT`)"


def mismatch(java_type: str, value: Any) -> InvalidBody:
    """Jackson's complaint about a value of the wrong JSON type."""
    return InvalidBody(
        f"Invalid input JSON: Cannot deserialize value of type `{java_type}` from {_kind(value)}"
    )


def model(
    value: Any, name: str, known: Iterable[str], required: Iterable[str] = ()
) -> dict[str, Any]:
    """A JSON object read as model ``name``: only ``known`` fields, every ``required`` one set."""
    if not isinstance(value, dict):
        raise mismatch(name, value)
    fields = tuple(known)
    for key in value:
        if key not in fields:
            raise InvalidBody(
                f'Invalid input JSON: Unrecognized field "{key}" (class {name}), not marked as '
                f"ignorable ({len(fields)} known properties: "
                + ", ".join(f'"{f}"' for f in fields)
                + "])"
            )
    missing = [key for key in required if value.get(key) is None]
    if missing:
        raise InvalidBody(
            f"Invalid input JSON: Cannot build {name}, some of required attributes are not set "
            f"[{', '.join(missing)}]"
        )
    return value


def field(obj: dict[str, Any], key: str, default: Any) -> Any:
    """A field's value, ``default`` only when it is absent or null (``{}`` and ``""`` are kept)."""
    value = obj.get(key)
    return default if value is None else value


def text(value: Any) -> str:
    """A string field's value; numbers and booleans are coerced to their JSON text."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int | float):
        return str(value)
    raise mismatch("java.lang.String", value)


def texts(value: Any) -> list[str]:
    """A list-of-strings field's value."""
    if not isinstance(value, list):
        raise mismatch("java.util.List<java.lang.String>", value)
    return [text(v) for v in value]


def objects(value: Any, name: str) -> list[Any]:
    """A list field whose items are models (each read by the caller)."""
    if not isinstance(value, list):
        raise mismatch(f"java.util.List<{name}>", value)
    return value


def string_map(value: Any) -> dict[str, Any]:
    """A ``properties`` map (property name to value), left for the property registry to check."""
    if not isinstance(value, dict):
        raise mismatch("java.util.Map<java.lang.String,java.lang.String>", value)
    for item in value.values():
        if isinstance(item, list | dict):
            raise mismatch("java.lang.String", item)
    return value


def integer(value: Any, name: str) -> int:
    """An integer field's value (digit strings are coerced, as Jackson does)."""
    if isinstance(value, bool):
        raise mismatch("int", value)
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    if isinstance(value, list | dict):
        raise mismatch("int", value)
    raise InvalidBody(
        f"Invalid input JSON: Cannot coerce {json.dumps(value)} to `int` for {name}: "
        "not a valid integer"
    )
