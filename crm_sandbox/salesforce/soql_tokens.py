"""SOQL tokens and literal values: what the lexer accepts, and its errors in Salesforce's words."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, timezone

from crm_sandbox.salesforce.errors import SalesforceApiError, query_error

#: (kind, raw text, offset in the query)
Token = tuple[str, str, int]

_TOKEN = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<string>'(?:[^'\\]|\\.)*')
  | (?P<datetime>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})(?![\w:.]))
  | (?P<date>\d{4}-\d{2}-\d{2})(?![\w:.])
  | (?P<number>-?\d+(?:\.\d+)?)(?![\w:.])
  | (?P<op><=|>=|!=|<>|=|<|>)
  | (?P<punct>[(),])
  | (?P<ident>[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*(?::\d+)?)
    """,
    re.VERBOSE,
)
#: How far a malformed date or dateTime literal gets before it goes wrong.
_DATE_PREFIX = re.compile(
    r"\d{4}-\d{2}-\d{2}(?:T(?:\d{2}(?::\d{2}(?::\d{2}(?:\.\d+)?(?:[+-]\d{2}(?::?\d{1,2})?)?)?)?)?)?"
)
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f", "'": "'", '"': '"', "\\": "\\"}
#: Escapes kept as written: they only mean something inside LIKE patterns.
_LIKE_ESCAPES = frozenset("_%")
_DATETIME = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(Z|([+-])(\d{2}):?(\d{2}))"
)


def _no_viable(text: str, pos: int) -> SalesforceApiError:
    # Salesforce repeats the caret's row and column in the lexer's own words.
    ch = "<EOF>" if pos >= len(text) else text[pos]
    row = text.count("\n", 0, pos) + 1
    col = pos - (text.rfind("\n", 0, pos) + 1) + 1
    return query_error(
        "MALFORMED_QUERY", text, pos, f"line {row}:{col} no viable alternative at character '{ch}'"
    )


def tokenize(text: str) -> list[Token]:
    """The tokens of a query; a character no token starts with is a MALFORMED_QUERY."""
    out: list[Token] = []
    pos = 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None or (m.lastgroup == "number" and _DATE_PREFIX.match(text, pos)):
            bad = _DATE_PREFIX.match(text, pos)
            raise _no_viable(text, bad.end() if bad else pos)
        kind = m.lastgroup or ""
        if kind != "ws":
            out.append((kind, m.group(), pos))
        pos = m.end()
    return out


def unquote(text: str, tok: Token) -> str:
    """A string literal's value; escapes other than SOQL's are a MALFORMED_QUERY."""
    body = tok[1][1:-1]
    out: list[str] = []
    i = 0
    while i < len(body):
        ch = body[i]
        if ch != "\\":
            out.append(ch)
            i += 1
            continue
        nxt = body[i + 1]
        if nxt in _ESCAPES:
            out.append(_ESCAPES[nxt])
        elif nxt in _LIKE_ESCAPES:
            out.append("\\" + nxt)
        else:
            raise query_error(
                "MALFORMED_QUERY",
                text,
                tok[2],
                f"Invalid string literal '{body}'. Illegal character sequence '\\{nxt}' in "
                "string literal.",
            )
        i += 2
    return "".join(out)


def _bad_literal(text: str, tok: Token, kind: str) -> SalesforceApiError:
    return query_error("MALFORMED_QUERY", text, tok[2], f"{kind} literal '{tok[1]}' is not valid")


def date_value(text: str, tok: Token) -> date:
    """A ``YYYY-MM-DD`` literal (calendar-checked)."""
    try:
        return date.fromisoformat(tok[1])
    except ValueError:
        raise _bad_literal(text, tok, "Date") from None


def datetime_value(text: str, tok: Token) -> datetime:
    """A dateTime literal as a UTC datetime.

    Salesforce keeps milliseconds, so further fraction digits are dropped (``.549000`` and
    ``.5499`` both mean 549 ms); the offset may be ``Z``, ``+hh:mm`` or ``+hhmm``.
    """
    m = _DATETIME.fullmatch(tok[1])
    if m is None:
        raise _bad_literal(text, tok, "DateTime")
    year, month, day, hour, minute, second, frac, zone, sign, oh, om = m.groups()
    millis = int((frac or "0")[:3].ljust(3, "0"))
    try:
        offset = timedelta(0)
        if zone != "Z":
            offset = timedelta(hours=int(oh), minutes=int(om))
            if offset >= timedelta(hours=24) or int(om) >= 60:
                raise ValueError(zone)
            offset = -offset if sign == "-" else offset
        value = datetime(
            int(year),
            int(month),
            int(day),
            int(hour),
            int(minute),
            int(second),
            millis * 1000,
            timezone(offset),
        )
    except ValueError:
        raise _bad_literal(text, tok, "DateTime") from None
    return value.astimezone(UTC)
