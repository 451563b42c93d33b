"""HubSpot wire helpers: ISO timestamps with milliseconds and ``Z``, error bodies, correlation ids."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from crm_sandbox.common.http import Response, json_response


@lru_cache(maxsize=65_536)  # stamps repeat on every page served; formatting dominated serving
def iso(dt: datetime) -> str:
    """HubSpot's timestamp format: ``2024-05-01T12:30:00.123Z``."""
    return dt.astimezone(UTC).isoformat(timespec="milliseconds")[:23] + "Z"


def now() -> datetime:
    """The current time, truncated to HubSpot's millisecond precision."""
    t = datetime.now(UTC)
    return t.replace(microsecond=(t.microsecond // 1000) * 1000)


def parse_when(value: str) -> datetime | None:
    """A datetime from epoch milliseconds, an ISO timestamp or a ``YYYY-MM-DD`` date; else ``None``."""
    text = value.strip()
    if not text:
        return None
    if text.lstrip("-").isdigit():
        try:
            return datetime.fromtimestamp(int(text) / 1000, UTC)
        except (OverflowError, ValueError, OSError):
            return None
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def epoch_ms(dt: datetime) -> int:
    """Milliseconds since the epoch."""
    return int(dt.timestamp() * 1000)


def correlation_id() -> str:
    """A fresh correlation id, as every HubSpot error carries."""
    return str(uuid.uuid4())


def error(
    status: int,
    message: str,
    category: str,
    *,
    sub_category: str | None = None,
    errors: list[dict[str, Any]] | None = None,
    context: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    """An error response in HubSpot's format (``status``, ``message``, ``correlationId``, ``category``)."""
    body: dict[str, Any] = {
        "status": "error",
        "message": message,
        "correlationId": correlation_id(),
        "category": category,
    }
    if sub_category:
        body["subCategory"] = sub_category
    if errors:
        body["errors"] = errors
    if context:
        body["context"] = context
    return json_response(body, status, headers)


def batch_error(
    category: str, message: str, context: dict[str, list[str]], sub_category: str | None = None
) -> dict[str, Any]:
    """One entry of a batch response's ``errors`` list (the client's ``StandardError`` model)."""
    entry: dict[str, Any] = {
        "status": "error",
        "category": category,
        "message": message,
        "context": context,
        "errors": [],
        "links": {},
    }
    if sub_category:
        entry["subCategory"] = sub_category
    return entry


def validation_error(message: str, **context: list[str]) -> Response:
    """A 400 ``VALIDATION_ERROR``."""
    return error(400, message, "VALIDATION_ERROR", context=dict(context) or None)


def not_found(message: str) -> Response:
    """A 404 ``OBJECT_NOT_FOUND``."""
    return error(404, message, "OBJECT_NOT_FOUND")
