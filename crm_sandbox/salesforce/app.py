"""The Salesforce sandbox app: store, sessions, API budget, routes and Salesforce-format errors."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from datetime import datetime

from crm_sandbox.common.http import Request, Response
from crm_sandbox.common.server import SandboxApp
from crm_sandbox.salesforce import (
    admin,
    admin_http,
    routes_bulk1,
    routes_bulk2,
    routes_composite,
    routes_meta,
    routes_query,
    routes_sobjects,
)
from crm_sandbox.salesforce.auth import Credentials, Sessions, oauth_token, soap_login
from crm_sandbox.salesforce.bulk1_jobs import Bulk1Jobs
from crm_sandbox.salesforce.errors import SalesforceApiError, error_response, not_found
from crm_sandbox.salesforce.routes_bulk2 import QueryJob
from crm_sandbox.salesforce.routes_query import Cursor
from crm_sandbox.salesforce.seed_map import load_seed
from crm_sandbox.salesforce.store import Store

#: The versioned REST prefix; handlers read ``request.params["version"]``.
V = r"/services/data/v(?P<version>\d+\.\d)"
#: Enterprise Edition's base daily allocation of API requests.
ENTERPRISE_DAILY_API_REQUESTS = 100_000
_UNCOUNTED = frozenset({"oauth.token", "soap.login", "versions"})
_COUNTED = "__counted"

ApiHandler = Callable[[Request], Response]


class SalesforceSandboxApp(SandboxApp):
    """A Salesforce-compatible org in memory; the Python admin API lives in :mod:`.admin`."""

    def __init__(self, *, seed: int = 1, records: int = 50, now: datetime | None = None) -> None:
        super().__init__()
        self.store = Store()
        self.credentials = Credentials()
        self.sessions = Sessions()
        self.base_url = ""
        self.daily_api_max = ENTERPRISE_DAILY_API_REQUESTS
        self.api_used = 0
        self._usage_lock = threading.Lock()
        self.cursors: OrderedDict[str, Cursor] = OrderedDict()
        self.jobs: dict[str, QueryJob] = {}
        self.bulk1 = Bulk1Jobs()
        #: Pending partial failures for composite collections: (record index, code, message).
        self.collection_failures: list[tuple[int, str, str]] = []
        self.admin_api = admin.SalesforceAdmin(self)
        self.seed_summary = load_seed(self.store, seed=seed, records=records, now=now)
        self.router.add("POST", r"/services/oauth2/token", "oauth.token", self._open(oauth_token))
        self.router.add(
            "POST",
            r"/services/Soap/u/(?P<version>\d+\.\d)(?:/.*)?",
            "soap.login",
            self._open(soap_login),
        )
        routes_meta.register(self)
        routes_query.register(self)
        routes_sobjects.register(self)
        routes_composite.register(self)
        routes_bulk2.register(self)
        routes_bulk1.register(self)
        admin_http.register(self)

    # -- wiring ----------------------------------------------------------------------------
    def _open(self, fn: Callable[[SalesforceSandboxApp, Request], Response]) -> ApiHandler:
        def handler(request: Request) -> Response:
            try:
                return fn(self, request)
            except SalesforceApiError as exc:
                return error_response(exc)

        return handler

    def api(self, method: str, pattern: str, name: str, fn: Callable[[Request], Response]) -> None:
        """Register an authenticated REST route under ``/services/data/vXX.X``."""

        def handler(request: Request) -> Response:
            try:
                self.sessions.check(request)
                self.charge(request)
                return fn(request)
            except SalesforceApiError as exc:
                return error_response(exc)

        self.router.add(method, V + pattern, name, handler)

    def charge(self, request: Request) -> None:
        """Count an authenticated call; 403 REQUEST_LIMIT_EXCEEDED once the day's budget is spent."""
        with self._usage_lock:
            over = self.api_used >= self.daily_api_max
            self.api_used += 1
            request.params[_COUNTED] = "1"
        if over:
            raise SalesforceApiError(403, "REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded.")

    def instance_url(self, request: Request) -> str:
        """The URL clients should use for this org (the serving URL, or the Host they called)."""
        return self.base_url or f"https://{request.headers.get('host', '127.0.0.1')}"

    # -- hooks of SandboxApp ---------------------------------------------------------------
    def not_found(self, request: Request) -> Response:
        """Unknown paths answer 404 NOT_FOUND in Salesforce's error format."""
        return error_response(not_found())

    def internal_error(self, request: Request, exc: Exception) -> Response:
        """A sandbox bug answers 500 UNKNOWN_EXCEPTION like the platform does."""
        return error_response(
            SalesforceApiError(500, "UNKNOWN_EXCEPTION", f"An unexpected error occurred: {exc}")
        )

    def decorate(self, request: Request, response: Response) -> None:
        """Count the call against the daily budget and add ``Sforce-Limit-Info``."""
        with self._usage_lock:
            # Calls that reached a handler were counted there (so limits/ sees itself);
            # faulted, unauthenticated and unknown calls are counted here.
            if request.route not in _UNCOUNTED and _COUNTED not in request.params:
                self.api_used += 1
            used = self.api_used
        response.headers["Sforce-Limit-Info"] = f"api-usage={used}/{self.daily_api_max}"
        response.headers.setdefault("Content-Type", "application/json;charset=UTF-8")


def build_salesforce_sandbox(*, seed: int = 1, records: int = 50) -> SalesforceSandboxApp:
    """A seeded sandbox app, ready to serve."""
    return SalesforceSandboxApp(seed=seed, records=records)
