"""Typed field values: parsing JSON input, formatting for JSON and CSV, the write clock."""

from __future__ import annotations

import json
import threading
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

Value = str | bool | int | Decimal | date | datetime | None


def format_datetime(value: datetime) -> str:
    """Salesforce's REST form: ``2026-01-02T03:04:05.000+0000`` (UTC, milliseconds)."""
    if value.tzinfo is not UTC:
        value = value.astimezone(UTC)
    # Hand-formatted: this runs for every stamp of every served row.
    return (
        f"{value.year:04d}-{value.month:02d}-{value.day:02d}T{value.hour:02d}:"
        f"{value.minute:02d}:{value.second:02d}.{value.microsecond // 1000:03d}+0000"
    )


def format_datetime_csv(value: datetime) -> str:
    """Bulk API CSV form: ``2026-01-02T03:04:05.000Z``."""
    value = value.astimezone(UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def parse_datetime(text: str) -> datetime:
    """Parse an ISO-8601 datetime as Salesforce accepts it (``Z``, ``+0000`` or ``+00:00``)."""
    raw = text.strip()
    if raw.endswith("Z"):
        raw = raw[:-1] + "+00:00"
    if len(raw) >= 5 and raw[-5] in "+-" and raw[-3] != ":":
        raw = raw[:-2] + ":" + raw[-2:]
    value = datetime.fromisoformat(raw)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def parse_decimal(value: object) -> Decimal:
    """A JSON number (or numeric string) as a Decimal; ``ValueError`` otherwise."""
    if isinstance(value, bool):
        raise ValueError("boolean is not a number")
    if isinstance(value, int | Decimal):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, str):
        try:
            return Decimal(value.strip())
        except InvalidOperation as exc:
            raise ValueError(value) from exc
    raise ValueError(repr(value))


def _default(value: object) -> Any:
    if isinstance(value, datetime):
        return format_datetime(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        # JSON numbers, as the real API sends them; integral values without a fraction.
        return float(value)
    raise TypeError(f"cannot encode {type(value).__name__}")


_ENCODER = json.JSONEncoder(separators=(",", ":"), default=_default, ensure_ascii=False)


def dumps(payload: object) -> bytes:
    """Encode a response payload holding typed values as compact UTF-8 JSON."""
    return _ENCODER.encode(payload).encode("utf-8")


def csv_text(value: Value) -> str:
    """One value as Bulk API CSV text (empty for null)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return format_datetime_csv(value)
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


class WriteClock:
    """Stamps for writes: ``now`` at millisecond precision, never going back.

    Writes in the same millisecond share a stamp, as on Salesforce (SystemModstamp is stored to the
    millisecond); a stamp is never ahead of the clock, so a client reading "up to now" misses nothing.
    """

    def __init__(self) -> None:
        self._last = datetime(1970, 1, 1, tzinfo=UTC)
        self._lock = threading.Lock()

    def next(self) -> datetime:
        """The current millisecond, or the last stamp handed out if the system clock went back."""
        with self._lock:
            now = datetime.now(UTC)
            now = max(now.replace(microsecond=now.microsecond // 1000 * 1000), self._last)
            self._last = now
            return now
