"""HubSpot credentials: a private-app token, or an OAuth refresh token traded for access tokens.

The refresh flow posts ``grant_type=refresh_token`` with the app's client id and secret to
``/oauth/v1/token`` (form-encoded) and gets ``{access_token, refresh_token, expires_in}`` back.
HubSpot asks integrations to refresh ahead of ``expires_in`` rather than wait for a 401, so the
token is renewed a minute before it lapses; a 401 still earns one refresh per call (a revoked
token), after which the call fails with ``AuthError``. Secret values stay in ``SecretStr`` and
are scrubbed from any text that reaches a message.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from pydantic import SecretStr

from connector.connections import Connection, HubSpotSpec, PrivateApp, RefreshToken
from connector.errors import AuthError

REFRESH_AHEAD = 60.0  # seconds before expiry at which a token is renewed


def redact(text: str, secrets: Iterable[str]) -> str:
    """``text`` with every secret value replaced by ``***``."""
    for value in secrets:
        if value:
            text = text.replace(value, "***")
    return text


@dataclass
class PrivateAppAuth:
    """A private app's static access token; a 401 cannot be mended by a refresh."""

    connection: str
    token: SecretStr
    token_env: str
    can_refresh = False

    def access_token(self) -> str | None:
        """The token to send."""
        return self.token.get_secret_value()

    def needs_refresh(self, now: float) -> bool:
        """A private-app token never needs one."""
        return False

    def secrets(self) -> list[str]:
        """Values that must never appear in a message."""
        return [self.token.get_secret_value()]

    def refused(self, detail: str) -> AuthError:
        """The error for a token HubSpot will not take."""
        return AuthError(
            self.connection,
            f"HubSpot refused the private-app token from ${self.token_env} ({detail}); create a "
            "new access token for the private app and export it",
        )


@dataclass
class RefreshTokenAuth:
    """OAuth: access tokens obtained (and renewed) with a refresh token."""

    connection: str
    client_id: str
    client_secret: SecretStr | None
    refresh_token: SecretStr
    refresh_token_env: str
    clock: Callable[[], float]
    can_refresh = True
    _access: SecretStr | None = field(default=None, repr=False)
    _expires_at: float = 0.0

    def access_token(self) -> str | None:
        """The current access token (None before the first refresh)."""
        return None if self._access is None else self._access.get_secret_value()

    def needs_refresh(self, now: float) -> bool:
        """True without a token or within a minute of its expiry."""
        return self._access is None or now >= self._expires_at - REFRESH_AHEAD

    def form(self) -> dict[str, str]:
        """The token request's form fields (keyword arguments of the client's ``TokensApi.create``)."""
        fields = {
            "grant_type": "refresh_token",
            "client_id": self.client_id,
            "refresh_token": self.refresh_token.get_secret_value(),
        }
        if self.client_secret is not None:
            fields["client_secret"] = self.client_secret.get_secret_value()
        return fields

    def accept(self, body: dict[str, Any]) -> None:
        """Take a token response; a rotated refresh token replaces the old one."""
        token = body.get("access_token")
        if not isinstance(token, str) or not token:
            raise self.refused("the token response carries no access_token")
        try:
            lifetime = float(body.get("expires_in") or 1800)
        except (TypeError, ValueError):
            lifetime = 1800.0
        self._access = SecretStr(token)
        self._expires_at = self.clock() + lifetime
        rotated = body.get("refresh_token")
        if isinstance(rotated, str) and rotated:
            self.refresh_token = SecretStr(rotated)

    def secrets(self) -> list[str]:
        """Values that must never appear in a message."""
        values = [self.refresh_token.get_secret_value()]
        if self.client_secret is not None:
            values.append(self.client_secret.get_secret_value())
        if self._access is not None:
            values.append(self._access.get_secret_value())
        return values

    def refused(self, detail: str) -> AuthError:
        """The error once the refresh token (or the token it gave) is refused."""
        return AuthError(
            self.connection,
            f"HubSpot refused the OAuth credentials ({detail}); re-authorize the app "
            f"{self.client_id} and export its new refresh token in ${self.refresh_token_env}",
        )


Auth = PrivateAppAuth | RefreshTokenAuth


def auth_for(connection: Connection, clock: Callable[[], float]) -> Auth:
    """The credentials a HubSpot connection's file and environment name."""
    spec = connection.spec
    if not isinstance(spec, HubSpotSpec):
        raise TypeError(f"connection {connection.name} is not a HubSpot connection")
    flow = spec.auth
    if isinstance(flow, PrivateApp):
        return PrivateAppAuth(connection.name, connection.secrets["token"], flow.token_env)
    assert isinstance(flow, RefreshToken)
    return RefreshTokenAuth(
        connection.name,
        client_id=flow.client_id,
        client_secret=connection.secrets.get("client_secret"),
        refresh_token=connection.secrets["refresh_token"],
        refresh_token_env=flow.refresh_token_env,
        clock=clock,
    )
