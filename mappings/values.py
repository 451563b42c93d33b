"""Pure conversions of CRM values into the kinds the core's fields take; each failure is a reason.

A CRM sends text (HubSpot), JSON scalars (Salesforce REST) or CSV text (Bulk API); the same value
must give the same result whichever way it came, so every conversion starts from its text.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from urllib.parse import urlsplit

from mappings.targets import TargetField


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


def to_decimal(value: object) -> Decimal:
    """An exact decimal from text, an int or a Decimal; never through float."""
    if isinstance(value, bool):
        raise BadValue(f"{shown(value)} is not a number")
    try:
        result = Decimal(as_text(value).strip())
    except InvalidOperation:
        raise BadValue(f"{shown(value)} is not a number") from None
    if not result.is_finite():
        raise BadValue(f"{shown(value)} is not a finite number")
    if abs(result.adjusted()) > 15:
        raise BadValue(f"{shown(value)} is out of range")
    return result


def to_int(value: object) -> int:
    """A whole number (``3``, ``"3"``, ``"3.0"``)."""
    number = to_decimal(value)
    if number != number.to_integral_value():
        raise BadValue(f"{shown(value)} is not a whole number")
    return int(number)


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


def _text(value: object) -> str:
    """A value as text the core can store: no NUL, no unpaired surrogate."""
    result = value if type(value) is str else as_text(value)
    if "\x00" in result:
        raise BadValue(f"{shown(value)} contains a NUL character")
    if not result.isascii():
        try:
            result.encode("utf-8")
        except UnicodeEncodeError:  # a lone surrogate: JSON can carry it, no database can
            raise BadValue(f"{shown(value)} is not valid Unicode (an unpaired surrogate)") from None
    return result


def coerce(value: object, spec: TargetField) -> object:
    """``value`` as the kind ``spec`` takes, or BadValue saying why not."""
    kind = spec.kind
    result: object
    if kind in ("str", "ref"):  # the common case, first
        result = _text(value)
    elif kind == "decimal":
        result = to_decimal(value)
        places = -int(result.normalize().as_tuple().exponent)
        if spec.scale is not None and places > spec.scale:
            raise BadValue(
                f"{shown(value)} has {places} decimal places; the core keeps {spec.scale} "
                "(round it in the CRM)"
            )
    elif kind == "int":
        result = to_int(value)
    elif kind == "bool":
        result = to_bool(value)
    elif kind == "date":
        result = to_date(value)
    elif kind == "datetime":
        result = to_datetime(value)
    elif kind in ("country", "currency"):
        text = as_text(value).strip().upper()
        size = 2 if kind == "country" else 3
        if len(text) != size or not text.isalpha() or not text.isascii():
            code = "an ISO 3166 country code like US" if size == 2 else "an ISO 4217 code like USD"
            raise BadValue(f"{shown(value)} is not {code}; add a value map")
        result = text
    if spec.max_length is not None and isinstance(result, str) and len(result) > spec.max_length:
        raise BadValue(
            f"is {len(result)} characters long; the core keeps at most {spec.max_length}"
        )
    if spec.choices and result not in spec.choices:
        raise BadValue(f"{shown(result)} is not one of {list(spec.choices)}; add a value map")
    return result
