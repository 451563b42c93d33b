"""What can go wrong talking to a CRM, as types the sync acts on.

Retriable errors are retried with backoff (``retry.RetryPolicy``); fatal ones stop the connection's
run with one clear line; a spent budget or a daily limit stops the run cleanly with the cursor
saved, to resume next run. Messages never carry a secret (tokens, passwords, keys).
"""

from __future__ import annotations


class CrmError(Exception):
    """A failure talking to one CRM connection; ``str()`` is one line for the user."""

    def __init__(self, connection: str, message: str) -> None:
        super().__init__(f"{connection}: {message}")
        self.connection = connection
        self.message = message


class RetriableError(CrmError):
    """Worth another try: 429, 5xx, a reset connection, a timeout, a truncated or malformed body.

    ``retry_after`` is the wait the CRM asked for (seconds), when it said.
    """

    def __init__(self, connection: str, message: str, retry_after: float | None = None) -> None:
        super().__init__(connection, message)
        self.retry_after = retry_after


class FatalError(CrmError):
    """Trying again cannot help: a validation error, a refused request, bad configuration."""


class Refused(FatalError):
    """The CRM refused the request as it was sent (a 4xx other than credentials and limits).

    ``status`` is the HTTP status; ``code`` the CRM's error code (Salesforce ``errorCode``, HubSpot
    ``category``), ``detail`` its own message on one line and ``fields`` the fields it named. A
    batched write splits a call refused with 400 to find the record at fault.
    """

    def __init__(
        self,
        connection: str,
        message: str,
        *,
        status: int,
        code: str = "",
        detail: str = "",
        fields: tuple[str, ...] = (),
    ) -> None:
        super().__init__(connection, message)
        self.status = status
        self.code = code
        self.detail = detail
        self.fields = fields


class AuthError(FatalError):
    """The CRM refused our credentials, also after one fresh login."""


class BudgetExhausted(CrmError):
    """The API budget (the configured share of the CRM's limit) is spent: stop, resume next run."""


class QueryTimeout(CrmError):
    """Salesforce gave up on a query (``QUERY_TIMEOUT``): ask again for a smaller window."""
