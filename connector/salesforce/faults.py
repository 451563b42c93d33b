"""What a failed Salesforce call means for the run: Salesforce's error codes as connector errors.

simple-salesforce raises one exception class per HTTP status with the response body; requests raises
on dropped connections and timeouts; a cut or garbled body fails to decode. Each becomes one of
``connector.errors`` with one line naming the call, or an internal signal the client acts on
(a fresh login, a re-query). Messages carry Salesforce's error code and text, never a credential.
"""

from __future__ import annotations

import csv
import email.utils
import time
from collections.abc import Mapping

import requests
from simple_salesforce.exceptions import SalesforceError

from connector.errors import (
    BudgetExhausted,
    CrmError,
    QueryTimeout,
    Refused,
    RetriableError,
)


class SessionExpired(Exception):
    """401 INVALID_SESSION_ID: the access token is no longer valid; log in again (once)."""


class LocatorExpired(Exception):
    """INVALID_QUERY_LOCATOR: the server forgot an open query; ask again from the last position."""


def _errors(content: object) -> list[tuple[str, str, list[str]]]:
    """(errorCode, message, fields) from a REST error body (a list of errors, or one)."""
    items = content if isinstance(content, list) else [content]
    out: list[tuple[str, str, list[str]]] = []
    for item in items:
        if isinstance(item, Mapping):
            code = str(item.get("errorCode") or item.get("error") or "")
            message = str(item.get("message") or item.get("error_description") or "")
            fields = item.get("fields")
            out.append(
                (code, message, [str(f) for f in fields] if isinstance(fields, list) else [])
            )
    return out


def one_line(text: str, limit: int = 300) -> str:
    """Text on one line, cut to ``limit`` characters."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 3] + "..."


def retry_after(headers: Mapping[str, str] | None) -> float | None:
    """Seconds the server asked to wait (``Retry-After`` as seconds or an HTTP date), if it did."""
    if not headers:
        return None
    raw = headers.get("Retry-After") or headers.get("retry-after")
    if not raw:
        return None
    raw = raw.strip()
    if raw.isdigit():
        return float(raw)
    try:
        when = email.utils.parsedate_to_datetime(raw)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def _from_salesforce(
    exc: SalesforceError, connection: str, what: str, headers: Mapping[str, str] | None
) -> Exception:
    status = int(exc.status)
    errors = _errors(exc.content)
    code, message, fields = errors[0] if errors else ("", one_line(str(exc.content)), [])
    said = one_line(f"{code}: {message}" if code else message or f"HTTP {status}")
    if status == 401 and code in ("INVALID_SESSION_ID", ""):
        return SessionExpired(said)
    if code == "QUERY_TIMEOUT":
        return QueryTimeout(connection, f"Salesforce timed out on the {what}: {said}")
    if code == "INVALID_QUERY_LOCATOR":
        return LocatorExpired(said)
    if code == "REQUEST_LIMIT_EXCEEDED":
        if "concurrent" in message.lower():  # ConcurrentPerOrgLongTxn: a busy org, not a spent day
            return RetriableError(connection, f"{what}: {said}", retry_after(headers))
        return BudgetExhausted(
            connection,
            f"Salesforce refused the {what}: {said}; the org's daily API requests are spent, the "
            "run stops and resumes next run",
        )
    if status == 429 or status >= 500:
        return RetriableError(connection, f"{what}: HTTP {status} {said}", retry_after(headers))
    named = f" (field {', '.join(fields)})" if fields else ""
    hint = {
        400: "check the object and field names in the mapping file",
        401: "check the connection's credentials",
        403: "check the integration user's permissions",
        404: "check the connection's api_version and the object name",
    }.get(status, "see Salesforce's message")
    return Refused(
        connection,
        f"Salesforce refused the {what}{named}: HTTP {status} {said}; {hint}",
        status=status,
        code=code,
        detail=one_line(message) or said,
        fields=tuple(fields),
    )


def translate(
    exc: BaseException, connection: str, what: str, headers: Mapping[str, str] | None = None
) -> Exception | None:
    """The connector error (or internal signal) for ``exc``; None when it is not a call failure.

    ``headers`` are those of the failed response, for ``Retry-After``.
    """
    if isinstance(exc, CrmError | SessionExpired | LocatorExpired):
        return exc
    if isinstance(exc, SalesforceError):
        return _from_salesforce(exc, connection, what, headers)
    if isinstance(exc, requests.Timeout):
        return RetriableError(connection, f"{what}: Salesforce did not answer in time")
    if isinstance(exc, requests.ConnectionError | requests.exceptions.ChunkedEncodingError):
        return RetriableError(connection, f"{what}: the connection to Salesforce failed")
    if isinstance(exc, requests.exceptions.ContentDecodingError):
        return RetriableError(connection, f"{what}: the answer could not be decoded")
    if isinstance(exc, UnicodeDecodeError):
        return RetriableError(connection, f"{what}: the answer is not valid UTF-8 (cut short?)")
    if isinstance(exc, csv.Error):
        return RetriableError(connection, f"{what}: the answer is truncated or malformed CSV")
    if isinstance(exc, ValueError):  # json.JSONDecodeError, requests' JSONDecodeError
        return RetriableError(connection, f"{what}: the answer is truncated or malformed JSON")
    return None
