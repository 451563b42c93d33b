"""SOQL text built safely: escaped string literals, checked names, UTC datetime literals.

Every value that goes into a query passes through :func:`quote` or :func:`datetime_literal`; object and
field names, which SOQL cannot quote, must look like Salesforce API names or the query is refused.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime

#: Backslash escapes SOQL string literals understand (Salesforce's list of escape sequences).
_ESCAPES = {
    "\\": "\\\\",
    "'": "\\'",
    '"': '\\"',
    "\n": "\\n",
    "\r": "\\r",
    "\t": "\\t",
    "\b": "\\b",
    "\f": "\\f",
}
_ESCAPE_RE = re.compile("[\\\\'\"\n\r\t\b\f]")
#: An API name: letters, digits and single underscores (``Partner_Tier__c`` has the double one of custom
#: suffixes), optionally dotted through relationships (``Account.Owner.Name``).
_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,79}(?:\.[A-Za-z][A-Za-z0-9_]{0,79}){0,5}$")
_ID = re.compile(r"^[A-Za-z0-9]{15}(?:[A-Za-z0-9]{3})?$")


class UnsafeName(ValueError):
    """An object or field name that is not a Salesforce API name (it cannot be quoted in SOQL)."""


def quote(value: str) -> str:
    """A SOQL string literal for ``value``, every special character escaped."""
    return "'" + _ESCAPE_RE.sub(lambda m: _ESCAPES[m.group()], value) + "'"


def name(value: str) -> str:
    """``value`` if it is a plain API name (object or field path); UnsafeName otherwise."""
    if not _NAME.match(value):
        raise UnsafeName(
            f"{value!r} is not a Salesforce API name (letters, digits and underscores, "
            "dotted through relationships)"
        )
    return value


def is_record_id(value: str) -> bool:
    """Whether ``value`` has the shape of a 15- or 18-character record id."""
    return bool(_ID.match(value))


def datetime_literal(moment: datetime) -> str:
    """A SOQL datetime literal in UTC with milliseconds (``2026-01-02T03:04:05.123Z``)."""
    if moment.tzinfo is None:
        raise ValueError("a SOQL datetime needs a time zone")
    utc = moment.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def select_list(fields: Iterable[str], first: Iterable[str] = ()) -> list[str]:
    """``first`` then ``fields``, each once (case-insensitively, as SOQL compares names)."""
    seen: set[str] = set()
    out: list[str] = []
    for field in (*first, *fields):
        key = name(field).lower()
        if key not in seen:
            seen.add(key)
            out.append(field)
    return out


def in_list(values: Iterable[str]) -> str:
    """``('a', 'b')`` with every value quoted."""
    return "(" + ", ".join(quote(v) for v in values) + ")"


def select(obj: str, columns: Sequence[str], where: str, order_by: Sequence[str] = ()) -> str:
    """``SELECT columns FROM obj WHERE where [ORDER BY ...]``; ``where`` is built from quoted values."""
    text = f"SELECT {', '.join(map(name, columns))} FROM {name(obj)} WHERE {where}"  # noqa: S608 - names checked, values quoted
    if order_by:
        text += f" ORDER BY {', '.join(map(name, order_by))}"
    return text
