"""One Salesforce connection's calls: simple-salesforce behind the budget, the retry policy and a re-login.

Every call counts against the run's API budget before it goes out and feeds the budget the
``Sforce-Limit-Info`` header that comes back (a response hook on the shared ``requests.Session`` sees
every answer, simple-salesforce's and Bulk 2.0's alike). Failures are translated by
:mod:`connector.salesforce.faults`; retriable ones are retried by the shared policy, and an expired
session gets one fresh login before the call is tried again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any, TypeVar

import requests
from requests.adapters import HTTPAdapter
from simple_salesforce.api import Salesforce

from connector.budget import ApiBudget
from connector.connections import Connection
from connector.connections import SalesforceSpec as Spec
from connector.errors import AuthError, RetriableError
from connector.retry import RetryPolicy
from connector.salesforce.auth import Token, request_token
from connector.salesforce.faults import SessionExpired, translate

T = TypeVar("T")
log = logging.getLogger(__name__)
#: (connect, read) seconds: a query page can take a while to assemble on a big org.
DEFAULT_TIMEOUT = (10.0, 120.0)


class _Transport(HTTPAdapter):
    """Pins certificate checks to the connection's CA bundle and gives every call a timeout.

    requests lets ``REQUESTS_CA_BUNDLE`` override ``Session.verify``; setting it per send keeps the
    connection's bundle in force without turning off the rest of the environment (proxies).
    """

    def __init__(self, ca_bundle: str | None, timeout: tuple[float, float]) -> None:
        super().__init__()
        self.ca_bundle = ca_bundle
        self.timeout = timeout

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> Any:
        """Send with the pinned CA bundle and a timeout when none was given."""
        if self.ca_bundle is not None:
            kwargs["verify"] = self.ca_bundle
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = self.timeout
        return super().send(request, *args, **kwargs)


def http_session(spec: Spec, timeout: tuple[float, float] = DEFAULT_TIMEOUT) -> requests.Session:
    """A requests session for one connection (its CA bundle, timeouts)."""
    session = requests.Session()
    if spec.ca_bundle:
        session.verify = spec.ca_bundle
    transport = _Transport(spec.ca_bundle, timeout)
    session.mount("https://", transport)
    session.mount("http://", transport)
    return session


class SalesforceClient:
    """simple-salesforce for one connection, logged in on first use."""

    def __init__(
        self,
        connection: Connection,
        budget: ApiBudget,
        retry: RetryPolicy,
        session: requests.Session | None = None,
    ) -> None:
        spec = connection.spec
        if not isinstance(spec, Spec):
            raise TypeError(f"connection {connection.name} is not a Salesforce connection")
        self.connection = connection
        self.spec = spec
        self.budget = budget
        self.retry = retry
        self.session = session or http_session(spec)
        self.logins = 0
        self.retries = 0  # calls tried again, for the run report
        self._last_headers: Mapping[str, str] = {}
        self._sf: Salesforce | None = None
        self.session.hooks["response"].append(self._on_response)

    def _on_response(self, response: requests.Response, *args: Any, **kwargs: Any) -> None:
        self._last_headers = response.headers
        self.budget.read_headers(response.headers)

    @property
    def name(self) -> str:
        """The connection's name."""
        return self.connection.name

    def login(self) -> None:
        """Get a fresh access token (retrying only what is worth retrying)."""

        def attempt() -> Token:
            self.budget.before_call()
            return request_token(self.connection, self.session)

        token = self.retry.call(attempt)
        self.logins += 1
        self._sf = Salesforce(
            instance_url=token.instance_url,
            session_id=token.access_token,
            session=self.session,
            version=self.spec.api_version,
            parse_float=Decimal,
            object_pairs_hook=dict,
        )

    @property
    def sf(self) -> Salesforce:
        """The logged-in simple-salesforce client."""
        if self._sf is None:
            self.login()
        assert self._sf is not None
        return self._sf

    def call(
        self, what: str, fn: Callable[[Salesforce], T], *, retry: RetryPolicy | None = None
    ) -> T:
        """``fn(sf)`` as one counted API call: retried when retriable, one re-login on expiry.

        ``retry`` replaces the connection's policy for this call (``RetryPolicy(attempts=1)``: a
        call that must not be repeated blindly, whose caller checks what landed first).
        """
        policy = retry or self.retry

        def attempt() -> T:
            self.budget.before_call()
            self._last_headers = {}
            try:
                return fn(self.sf)
            except Exception as exc:
                mapped = translate(exc, self.name, what, self._last_headers)
                if mapped is None or mapped is exc:
                    raise
                raise mapped from None

        if self._sf is None:
            self.login()
        try:
            return policy.call(attempt, self.retrying)
        except SessionExpired:
            log.info("%s: session expired on the %s; logging in again", self.name, what)
        self.login()
        try:
            return policy.call(attempt, self.retrying)
        except SessionExpired as again:
            raise AuthError(
                self.name,
                f"Salesforce rejected a fresh session on the {what} ({again}); the integration "
                "user may have lost API access or the connected app's policy ends sessions at once",
            ) from None

    def retrying(self, error: RetriableError, wait: float) -> None:
        """Count and log a retry (the ``on_retry`` of a ``RetryPolicy``)."""
        self.retries += 1
        log.info("%s; trying again in %.1f s", error, wait)

    def close(self) -> None:
        """Close the HTTP connections."""
        self.session.close()
