"""HubSpot record JSON to ``RawRecord``: the stamp property per object, stamps as UTC, values as text.

HubSpot sends every property value as a string (or null); the stamp is the object's
modification-stamp property (``lastmodifieddate`` for contacts, ``hs_lastmodifieddate`` for every
other object), also sent as the record's ``updatedAt``. Stamps are ISO text with milliseconds
in responses and epoch milliseconds in search filters.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from mappings.records import Associations, RawRecord

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MS = timedelta(milliseconds=1)
_STAMP_PROPERTY = {"contacts": "lastmodifieddate"}


class BadRecord(ValueError):
    """A record in a response that cannot be read (no id, no usable stamp)."""


def stamp_property(obj: str) -> str:
    """The property holding ``obj``'s modification stamp (what the change stream sorts on)."""
    return _STAMP_PROPERTY.get(obj, "hs_lastmodifieddate")


def to_ms(when: datetime) -> int:
    """Epoch milliseconds of a tz-aware instant, exactly (no float rounding)."""
    return (when - EPOCH) // _MS


def from_ms(ms: int) -> datetime:
    """The UTC instant of epoch milliseconds."""
    return EPOCH + ms * _MS


def parse_stamp(value: object) -> datetime:
    """A HubSpot timestamp (ISO text with ``Z`` or epoch milliseconds) as a tz-aware UTC datetime."""
    text = str(value).strip() if value is not None else ""
    if text.isdigit():
        return from_ms(int(text))
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise BadRecord(f"{value!r} is not a timestamp") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def as_text(value: object) -> str | None:
    """A property value as HubSpot's text (it sends strings; anything else is rendered as it would)."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _texts(props: Mapping[str, Any]) -> dict[str, str | None]:
    """Every property as text (``as_text``, with null and plain strings taken as they are)."""
    return {
        name: value if value is None or type(value) is str else as_text(value)
        for name, value in props.items()
    }


def record_id(result: Mapping[str, Any]) -> str:
    """The record's id as text."""
    rid = result.get("id")
    if rid is None or str(rid) == "":
        raise BadRecord("a record without an id")
    return str(rid)


def record_stamp(obj: str, result: Mapping[str, Any]) -> datetime:
    """The record's modification stamp (the stamp property, else ``updatedAt``)."""
    props = result.get("properties") or {}
    value = props.get(stamp_property(obj)) or result.get("updatedAt")
    try:
        return parse_stamp(value)
    except BadRecord as exc:
        raise BadRecord(f"{obj} {result.get('id')}: the modification stamp {exc}") from None


def raw_record(
    obj: str, result: Mapping[str, Any], associations: Associations | None = None
) -> RawRecord:
    """A live record from a search, batch-read or list result."""
    props = result.get("properties") or {}
    return RawRecord(
        crm_id=record_id(result),
        stamp=record_stamp(obj, result),
        fields=_texts(props),
        associations=associations or {},
    )


def archived_record(obj: str, result: Mapping[str, Any]) -> RawRecord:
    """An archived record from the list API: ``deleted``, stamped with its modification stamp.

    Archiving and restoring bump no stamp on HubSpot, so every version of a record (live, archived,
    restored) is ordered on that one clock and told apart by the deletion flag. ``archivedAt`` is
    not used: a restored record comes back with its old modification stamp, which would look older
    than a deletion stamped ``archivedAt`` and be skipped as a replay, leaving it deleted for good.
    """
    props = result.get("properties") or {}
    return RawRecord(
        crm_id=record_id(result),
        stamp=record_stamp(obj, result),
        fields=_texts(props),
        deleted=True,
    )
