"""Logging in to Salesforce with OAuth 2.0: JWT bearer, client credentials or a refresh token.

Each flow is one POST to ``<login_url>/services/oauth2/token``; the answer names the access token and
the org's instance URL. The JWT bearer assertion is signed here (RS256, PyJWT) with the connected
app's private key, whose file the connection names through an environment variable. Neither the
key, the secret nor the token ever reaches an exception or a log line.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import jwt
import requests

from connector.connections import ClientCredentials, Connection, JwtBearer, RefreshToken
from connector.connections import SalesforceSpec as Spec
from connector.errors import AuthError, FatalError, RetriableError
from connector.salesforce.faults import one_line, retry_after

JWT_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
#: Salesforce accepts an assertion for at most three minutes.
ASSERTION_LIFETIME_S = 180


@dataclass(frozen=True)
class Token:
    """An access token and the instance it is valid on."""

    access_token: str
    instance_url: str

    def __repr__(self) -> str:
        return f"Token(instance_url={self.instance_url!r}, access_token=<hidden>)"


def token_url(spec: Spec) -> str:
    """The OAuth 2.0 token endpoint of the connection's login URL."""
    return spec.login_url.rstrip("/") + "/services/oauth2/token"


def _private_key(connection: Connection, auth: JwtBearer) -> bytes:
    variable = auth.private_key_file_env
    try:
        pem = Path(connection.secret("private_key_file")).read_bytes()
    except OSError as exc:
        raise FatalError(
            connection.name,
            f"cannot read the private key file named by {variable} (auth.private_key_file_env): "
            f"{exc.strerror or 'unreadable'}; point {variable} at the connected app's PEM key",
        ) from None
    return pem


def jwt_assertion(connection: Connection, auth: JwtBearer, audience: str) -> str:
    """The signed JWT bearer assertion: iss = consumer key, sub = username, aud, exp."""
    claims = {
        "iss": auth.client_id,
        "sub": auth.username,
        "aud": audience,
        "exp": int(time.time()) + ASSERTION_LIFETIME_S,
    }
    try:
        return jwt.encode(claims, _private_key(connection, auth), algorithm="RS256")
    except (ValueError, TypeError, jwt.PyJWTError):
        raise FatalError(
            connection.name,
            f"the file named by {auth.private_key_file_env} is not a PEM RSA private key; "
            "export the connected app's private key (-----BEGIN PRIVATE KEY-----) to it",
        ) from None


def grant_form(connection: Connection) -> dict[str, str]:
    """The token request's form fields for the connection's flow."""
    spec = connection.spec
    assert isinstance(spec, Spec)
    auth = spec.auth
    if isinstance(auth, JwtBearer):
        return {
            "grant_type": JWT_GRANT,
            "assertion": jwt_assertion(connection, auth, spec.login_url.rstrip("/")),
        }
    if isinstance(auth, ClientCredentials):
        return {
            "grant_type": "client_credentials",
            "client_id": auth.client_id,
            "client_secret": connection.secret("client_secret"),
        }
    assert isinstance(auth, RefreshToken)
    form = {
        "grant_type": "refresh_token",
        "client_id": auth.client_id,
        "refresh_token": connection.secret("refresh_token"),
    }
    if auth.client_secret_env:
        form["client_secret"] = connection.secret("client_secret")
    return form


def _refused(connection: Connection, response: requests.Response) -> AuthError:
    try:
        body = response.json()
    except ValueError:
        body = {}
    error = str(body.get("error", "")) if isinstance(body, dict) else ""
    description = str(body.get("error_description", "")) if isinstance(body, dict) else ""
    said = one_line(f"{error}: {description}" if error else f"HTTP {response.status_code}")
    spec = connection.spec
    assert isinstance(spec, Spec)
    return AuthError(
        connection.name,
        f"Salesforce refused the {spec.auth.flow} login at {spec.login_url}: {said}; check the "
        "connection's auth settings and the connected app (consumer key, certificate, user)",
    )


def request_token(connection: Connection, session: requests.Session) -> Token:
    """One token request; RetriableError for 5xx / 429 / dropped connections, AuthError if refused."""
    spec = connection.spec
    assert isinstance(spec, Spec)
    form = grant_form(connection)
    what = f"{spec.auth.flow} login"
    try:
        response = session.post(token_url(spec), data=form, headers={"Accept": "application/json"})
    except requests.Timeout:
        raise RetriableError(
            connection.name, f"{what}: Salesforce did not answer in time"
        ) from None
    except requests.RequestException as exc:
        raise RetriableError(
            connection.name,
            f"{what}: the connection to {token_url(spec)} failed ({type(exc).__name__}); if it "
            "persists, check login_url in the connections file and the network",
        ) from None
    if response.status_code == 429 or response.status_code >= 500:
        raise RetriableError(
            connection.name,
            f"{what}: HTTP {response.status_code}",
            retry_after(response.headers),
        )
    if response.status_code != 200:
        raise _refused(connection, response)
    try:
        body = response.json()
        token, instance = str(body["access_token"]), str(body["instance_url"])
    except (ValueError, KeyError, TypeError):
        raise RetriableError(
            connection.name, f"{what}: the answer is truncated or malformed JSON"
        ) from None
    return Token(token, instance.rstrip("/"))
