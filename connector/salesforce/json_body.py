"""Request bodies as JSON text for Salesforce: exact numbers, dates and times in its formats.

``json.dumps`` cannot write a ``Decimal`` without going through a float; money must reach the CRM
as the exact digits it holds. Dates are ``YYYY-MM-DD``; datetimes must carry a time zone and go out
in UTC with milliseconds (``2026-01-02T03:04:05.000Z``).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from datetime import UTC, date, datetime
from decimal import Decimal


def encode(value: object) -> str:
    """``value`` (JSON types, Decimal, date, tz-aware datetime, nested) as JSON text."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"{value} is not a number Salesforce can store")
        return format(value, "f")
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"{value} is not a number Salesforce can store")
        return json.dumps(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError(f"datetime {value.isoformat()} has no time zone; give it one (UTC)")
        utc = value.astimezone(UTC)
        return f'"{utc:%Y-%m-%dT%H:%M:%S}.{utc.microsecond // 1000:03d}Z"'
    if isinstance(value, date):
        return f'"{value.isoformat()}"'
    if isinstance(value, Mapping):
        pairs = (f"{json.dumps(str(k), ensure_ascii=False)}:{encode(v)}" for k, v in value.items())
        return "{" + ",".join(pairs) + "}"
    if isinstance(value, list | tuple):
        return "[" + ",".join(encode(v) for v in value) + "]"
    raise TypeError(f"cannot send a {type(value).__name__} to Salesforce as JSON")


def dumps(value: object) -> bytes:
    """``value`` as UTF-8 JSON bytes (see :func:`encode`)."""
    return encode(value).encode("utf-8")
