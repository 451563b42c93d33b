"""The HubSpot-compatible sandbox app: bearer auth, rate limits, HubSpot error format, all routes.

Every CRM call needs ``Authorization: Bearer <token>``; a missing or unknown token answers 401
``INVALID_AUTHENTICATION``, a revoked one 401 ``EXPIRED_AUTHENTICATION``. A request body must be
sent as ``application/json`` (else 415, as HubSpot's JSON-only endpoints answer). Accepted calls spend
rate-limit budget (see ``ratelimit``); responses carry ``X-HubSpot-Correlation-Id`` and, except
for search, the ``X-HubSpot-RateLimit-*`` headers. ``POST /oauth/v1/token`` (see ``oauth``) trades an
OAuth refresh token for an access token.
"""

from __future__ import annotations

import secrets
from datetime import datetime

from crm_sandbox.common.http import Handler, Request, Response
from crm_sandbox.common.seed import generate
from crm_sandbox.common.server import SandboxApp
from crm_sandbox.hubspot import seed_map
from crm_sandbox.hubspot.admin import HubSpotAdmin
from crm_sandbox.hubspot.admin_http import register_admin
from crm_sandbox.hubspot.oauth import TOKEN_PATH, OAuthClients
from crm_sandbox.hubspot.objects import resolve
from crm_sandbox.hubspot.portal import Portal
from crm_sandbox.hubspot.ratelimit import RateLimitConfig, RateLimiter
from crm_sandbox.hubspot.routes_assoc import assoc_routes
from crm_sandbox.hubspot.routes_batch import batch_routes
from crm_sandbox.hubspot.routes_common import RouteSpec
from crm_sandbox.hubspot.routes_legacy import legacy_routes
from crm_sandbox.hubspot.routes_meta import meta_routes
from crm_sandbox.hubspot.routes_objects import object_routes
from crm_sandbox.hubspot.seed_map import SeedIndex
from crm_sandbox.hubspot.wire import correlation_id, error, validation_error

_NO_CREDENTIALS = (
    "Authentication credentials not found. This API supports OAuth 2.0 authentication and you "
    "can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview"
)


def _is_json(content_type: str) -> bool:
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json" or (
        media.startswith("application/") and media.endswith("+json")
    )


class HubSpotSandboxApp(HubSpotAdmin, SandboxApp):
    """A HubSpot portal served over HTTP; build one with :func:`create_app`."""

    def __init__(
        self,
        *,
        access_token: str,
        portal: Portal | None = None,
        rate_limits: RateLimitConfig | None = None,
    ) -> None:
        SandboxApp.__init__(self)
        self.portal = portal or Portal()
        self.limiter = RateLimiter(rate_limits)
        self.seed = SeedIndex()
        self.access_token = access_token
        self.tokens = {access_token}
        self.revoked = set()
        self.oauth = OAuthClients()
        self._search_routes: set[str] = set()
        # The token endpoint takes no bearer token and spends no CRM rate-limit budget.
        self.router.add(
            "POST", TOKEN_PATH, "oauth.token", lambda r: self.oauth.exchange(r, self.add_token)
        )
        for spec in (
            *object_routes(self.portal),
            *batch_routes(self.portal),
            *assoc_routes(self.portal),
            *meta_routes(self.portal),
            *legacy_routes(self.portal),
        ):
            self.router.add(spec.method, spec.pattern, spec.name, self._guard(spec))
            if spec.search:
                self._search_routes.add(spec.name)
        register_admin(self.admin, self)

    def _guard(self, spec: RouteSpec) -> Handler:
        def run(request: Request) -> Response:
            denied = self._authenticate(request)
            if denied is not None:
                return denied
            limited = self.limiter.acquire(search=spec.search)
            if limited is not None:
                return limited
            if request.body and not _is_json(request.headers.get("content-type", "")):
                return error(
                    415,
                    "HTTP 415 Unsupported Media Type: send the body as application/json",
                    "VALIDATION_ERROR",
                )
            return spec.handler(request)

        return run

    def _authenticate(self, request: Request) -> Response | None:
        auth = request.headers.get("authorization", "")
        scheme, _, token = auth.partition(" ")
        token = token.strip()
        if scheme.lower() == "bearer" and token in self.tokens:
            return None
        if scheme.lower() == "bearer" and token in self.revoked:
            return error(
                401,
                "The OAuth token used to make this call expired 0 day(s) ago.",
                "EXPIRED_AUTHENTICATION",
            )
        return error(401, _NO_CREDENTIALS, "INVALID_AUTHENTICATION")

    # -- SandboxApp hooks -------------------------------------------------------------------
    def not_found(self, request: Request) -> Response:
        """HubSpot's answer to an unknown path (400 for an unknown object type, else 404)."""
        parts = request.path.split("/")
        unknown = len(parts) > 4 and resolve(parts[4]) is None
        if request.path.startswith("/crm/v3/objects/") and unknown:
            return validation_error(f"Unable to infer object type from: {parts[4]}")
        if self.router.allows_path(request.path):
            return error(405, f"HTTP {request.method} is not supported here", "VALIDATION_ERROR")
        return error(404, f"No route for {request.method} {request.path}", "OBJECT_NOT_FOUND")

    def internal_error(self, request: Request, exc: Exception) -> Response:
        """HubSpot's 500 body."""
        return error(500, f"internal error: {type(exc).__name__}", "INTERNAL_ERROR")

    def decorate(self, request: Request, response: Response) -> None:
        """Add the correlation id and (except on search) the rate-limit headers."""
        response.headers.setdefault("X-HubSpot-Correlation-Id", correlation_id())
        if request.route not in self._search_routes:
            for key, value in self.limiter.headers().items():
                response.headers.setdefault(key, value)


def create_app(
    *,
    seed: int = 1,
    records: int = 50,
    access_token: str | None = None,
    rate_limits: RateLimitConfig | None = None,
    now: datetime | None = None,
) -> HubSpotSandboxApp:
    """A sandbox portal seeded from :func:`crm_sandbox.common.seed.generate`."""
    token = access_token or "pat-na1-" + secrets.token_hex(16)
    app = HubSpotSandboxApp(access_token=token, rate_limits=rate_limits)
    app.seed = seed_map.load(app.portal, generate(seed, records, now))
    return app
