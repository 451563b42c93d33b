"""Pure conversions of CRM values into the kinds the core's fields take; each failure is a reason.

A CRM sends text (HubSpot), JSON scalars (Salesforce REST) or CSV text (Bulk API); the same value
must give the same result whichever way it came, so every conversion starts from its text.
``coercers`` puts them together per target field.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from urllib.parse import urlsplit


class BadValue(ValueError):
    """A value the target field cannot take; the message says why (the caller adds which field)."""


def shown(value: object, limit: int = 60) -> str:
    """A value as it may appear in a reason: repr, cut to ``limit`` characters."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def is_missing(value: object) -> bool:
    """Null or empty text: HubSpot sends "" where Salesforce sends null."""
    return value is None or (isinstance(value, str) and not value.strip())


def as_text(value: object) -> str:
    """The CRM text of a scalar (booleans as true / false, as both CRMs write them)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    return str(value)


def to_bool(value: object) -> bool:
    """A boolean from a JSON boolean or the text true / false (any case)."""
    if isinstance(value, bool):
        return value
    text = as_text(value).strip().lower()
    if text in ("true", "1"):
        return True
    if text in ("false", "0"):
        return False
    raise BadValue(f"{shown(value)} is not true or false")


_EPOCH_MS = re.compile(r"^-?\d{10,14}$")


def to_datetime(value: object) -> datetime:
    """A timezone-aware UTC time from ISO 8601 text (any offset) or epoch milliseconds."""
    if isinstance(value, datetime):
        moment = value
    else:
        text = as_text(value).strip()
        if _EPOCH_MS.match(text):
            try:
                return datetime.fromtimestamp(int(text) / 1000, tz=UTC)
            except (ValueError, OverflowError, OSError):
                raise BadValue(f"{shown(value)} is out of the range of dates") from None
        try:
            moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            raise BadValue(f"{shown(value)} is not an ISO 8601 time") from None
    if moment.tzinfo is None:
        raise BadValue(f"{shown(value)} has no time zone")
    try:
        return moment.astimezone(UTC)
    except OverflowError:  # 0001-01-01 east of UTC, 9999-12-31 west of it
        raise BadValue(f"{shown(value)} is out of the range of dates in UTC") from None


def to_date(value: object) -> date:
    """A calendar date from ``YYYY-MM-DD``, or the UTC date of a time."""
    if isinstance(value, datetime):
        return to_datetime(value).date()
    if isinstance(value, date):
        return value
    text = as_text(value).strip()
    if len(text) == 10:
        try:
            return date.fromisoformat(text)
        except ValueError:
            raise BadValue(f"{shown(value)} is not a date (YYYY-MM-DD)") from None
    return to_datetime(text).date()


def host_of(value: str) -> str:
    """The domain of a URL, an e-mail address or a bare host, lower case, without ``www.``."""
    text = value.strip().lower()
    if "@" in text and "/" not in text:
        text = text.rsplit("@", 1)[1]
    try:
        host = urlsplit(text if "//" in text else f"//{text}").hostname or ""
    except ValueError:  # e.g. an unclosed IPv6 bracket: "http://[broken"
        raise BadValue(f"{shown(value)} is not a URL, an e-mail address or a host name") from None
    return host.removeprefix("www.")
