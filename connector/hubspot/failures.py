"""HubSpot's error answers as the sync's error types, with HubSpot's own message in one line.

* 429: ``RetriableError`` with the wait HubSpot asked for, except the ``DAILY`` policy, which ends
  the run cleanly (``BudgetExhausted``) because no retry helps before tomorrow;
* 5xx, 408, 423 (HubSpot's "locked, try again"), resets, timeouts, truncated or malformed JSON:
  ``RetriableError``;
* 401: handled by the caller (one token refresh, then ``AuthError``);
* everything else (400 validation, 403 missing scope, 404 unknown object): ``Refused`` (fatal) naming
  the call (and so the object) and HubSpot's category and message.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from connector.errors import BudgetExhausted, CrmError, Refused, RetriableError
from connector.hubspot.pacing import retry_after

_RETRIABLE_STATUS = {408, 423, 429}
_MAX_MESSAGE = 300


def error_body(body: object) -> dict[str, Any]:
    """HubSpot's JSON error body as a dict (empty when the body is not JSON)."""
    if isinstance(body, bytes):
        body = body.decode("utf-8", "replace")
    if not isinstance(body, str) or not body.strip():
        return {}
    try:
        data = json.loads(body)
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def one_line(text: str) -> str:
    """Text squeezed to one short line."""
    flat = " ".join(text.split())
    return flat if len(flat) <= _MAX_MESSAGE else flat[: _MAX_MESSAGE - 1] + "…"


def describe(status: int, body: Mapping[str, Any]) -> str:
    """``status CATEGORY: message`` from HubSpot's error body (whichever fields it has)."""
    category = body.get("category") or body.get("errorType") or body.get("status")
    message = body.get("message") or "no message"
    head = f"{status} {category}" if category and category != "error" else str(status)
    return one_line(f"{head}: {message}")


_HINTS = {
    400: "check the object and property names in the mapping file",
    403: "grant the app the scopes this call needs",
    404: "check the object name in the mapping file",
}


def status_error(
    connection: str,
    what: str,
    status: int,
    headers: Mapping[str, str],
    body: Mapping[str, Any],
    scrub: Callable[[str], str],
) -> CrmError:
    """The error for a non-2xx answer other than 401 (``scrub`` removes secrets from HubSpot's text)."""
    detail = scrub(describe(status, body))
    if status == 429:
        policy = body.get("policyName")
        if policy == "DAILY":
            return BudgetExhausted(
                connection,
                f"{what}: HubSpot's daily API limit is spent ({detail}); the run stops and resumes "
                "after HubSpot's daily reset",
            )
        wait = retry_after(headers, policy if isinstance(policy, str) else None)
        return RetriableError(connection, f"{what}: rate limited ({detail})", wait)
    if status >= 500 or status in _RETRIABLE_STATUS:
        return RetriableError(connection, f"{what}: HubSpot answered {detail}")
    hint = _HINTS.get(status, "the request needs fixing before it can succeed")
    category = body.get("category") or body.get("errorType") or ""
    return Refused(
        connection,
        f"{what}: HubSpot refused the request ({detail}); {hint}",
        status=status,
        code=str(category),
        detail=scrub(one_line(str(body.get("message") or detail))),
        fields=_property_names(body),
    )


def _property_names(body: Mapping[str, Any]) -> tuple[str, ...]:
    """The properties a validation error names (``errors[].context.propertyName``)."""
    names: list[str] = []
    for entry in body.get("errors") or []:
        context = entry.get("context") if isinstance(entry, dict) else None
        found = context.get("propertyName") if isinstance(context, dict) else None
        for name in found if isinstance(found, list) else [found] if found else []:
            if str(name) not in names:
                names.append(str(name))
    return tuple(names)


def transport_error(
    connection: str, what: str, exc: BaseException, base_url: str
) -> RetriableError:
    """A refused or reset connection, a timeout or a body cut short (retried; the last one is
    what the run reports, so it names where it tried to go and what to check)."""
    return RetriableError(
        connection,
        f"{what}: the connection to HubSpot at {base_url} failed ({type(exc).__name__}); if it "
        "persists, check base_url in the connections file and the network",
    )


def malformed(connection: str, what: str, problem: str) -> RetriableError:
    """A 2xx answer whose body is not the JSON HubSpot sends (truncated or garbled)."""
    return RetriableError(connection, f"{what}: HubSpot's answer is not usable JSON ({problem})")
