"""OAuth 2.0 token endpoint of the HubSpot sandbox: ``POST /oauth/v1/token``, refresh-token grant.

The body is form-encoded (``grant_type=refresh_token``, ``client_id``, ``client_secret``,
``refresh_token``) as HubSpot's v1 endpoint takes it; the answer is
``{token_type: bearer, refresh_token, access_token, expires_in}``. A wrong grant, client or refresh
token answers 400 with HubSpot's OAuth error body ``{status: BAD_REFRESH_TOKEN | BAD_CLIENT_ID |
BAD_GRANT_TYPE, message, correlationId}``. Issued access tokens are accepted by every CRM route;
they do not lapse by time (revoke one through the admin API to play an expired token).
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import parse_qs

from crm_sandbox.common.http import Request, Response, json_response
from crm_sandbox.hubspot.wire import correlation_id

TOKEN_PATH = "/oauth/v1/token"  # noqa: S105 (a path, not a password)


def _refused(status: str, message: str) -> Response:
    return json_response(
        {"status": status, "message": message, "correlationId": correlation_id()}, 400
    )


@dataclass
class OAuthClients:
    """Registered apps (client id and secret) and the refresh tokens issued to them (thread-safe)."""

    expires_in: int = 1800  # seconds, as HubSpot's access tokens
    _apps: dict[str, str] = field(default_factory=dict)
    _refresh: dict[str, str] = field(default_factory=dict)  # refresh token -> client id
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def issue_refresh_token(self, client_id: str, client_secret: str) -> str:
        """Register the app if new (its secret must match if not) and issue a refresh token."""
        with self._lock:
            known = self._apps.setdefault(client_id, client_secret)
            if known != client_secret:
                raise ValueError(f"client {client_id} is registered with another secret")
            token = "rt-" + secrets.token_hex(16)
            self._refresh[token] = client_id
            return token

    def revoke_refresh_token(self, token: str) -> None:
        """Make a refresh token unusable (the app was uninstalled)."""
        with self._lock:
            self._refresh.pop(token, None)

    def exchange(self, request: Request, accept: Callable[[str], None]) -> Response:
        """Answer one token request; a new access token is passed to ``accept``."""
        form = {k: v[0] for k, v in parse_qs(request.body.decode("utf-8", "replace")).items()}
        if form.get("grant_type") != "refresh_token":
            return _refused("BAD_GRANT_TYPE", "grant_type must be refresh_token")
        with self._lock:
            secret = self._apps.get(form.get("client_id", ""))
            owner = self._refresh.get(form.get("refresh_token", ""))
        if secret is None or not secrets.compare_digest(secret, form.get("client_secret", "")):
            return _refused("BAD_CLIENT_ID", "missing or unknown client id")
        if owner != form.get("client_id"):
            return _refused("BAD_REFRESH_TOKEN", "missing or invalid refresh token")
        access = "oat-na1-" + secrets.token_hex(16)
        accept(access)
        return json_response(
            {
                "token_type": "bearer",
                "refresh_token": form["refresh_token"],
                "access_token": access,
                "expires_in": self.expires_in,
            }
        )
