"""OAuth 2.0 token endpoint (password, client-credentials, refresh-token and JWT bearer grants),
SOAP login and session checks."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import parse_qs
from xml.sax.saxutils import escape

from crm_sandbox.common.http import Request, Response
from crm_sandbox.salesforce import ids
from crm_sandbox.salesforce.errors import SalesforceApiError, json_ok
from crm_sandbox.salesforce.jwt_grant import GRANT_TYPE as JWT_GRANT
from crm_sandbox.salesforce.jwt_grant import LOGIN_HOSTS, GrantRefused, check_assertion

if TYPE_CHECKING:
    from crm_sandbox.salesforce.app import SalesforceSandboxApp

ORG_ID = ids.to18("00D5g000004SbxA")
USER_ID = ids.to18("0055g00000AbCdE")


@dataclass
class Credentials:
    """What a client needs to log in to the sandbox (plain strings: it is a local sandbox)."""

    username: str = "sandbox@channelsync.example"
    password: str = "sandbox-password"  # noqa: S105 - a published sandbox credential
    security_token: str = "sandboxtoken"  # noqa: S105
    consumer_key: str = "channelsync-sandbox-consumer-key"
    consumer_secret: str = "channelsync-sandbox-consumer-secret"  # noqa: S105
    refresh_token: str = "channelsync-sandbox-refresh-token"  # noqa: S105
    #: PEM certificate (or public key) of the connected app for the JWT bearer grant; None: off.
    jwt_certificate: str | None = None


def invalid_session() -> SalesforceApiError:
    """401 INVALID_SESSION_ID, the answer to a missing, wrong or expired token."""
    return SalesforceApiError(401, "INVALID_SESSION_ID", "Session expired or invalid")


class Sessions:
    """Issued access tokens and their expiry times."""

    def __init__(self, ttl_s: float = 7200.0) -> None:
        self.ttl_s = ttl_s
        self._tokens: dict[str, float] = {}
        self._lock = threading.Lock()

    def issue(self, ttl_s: float | None = None) -> str:
        """A new access token, valid for ``ttl_s`` seconds (the sessions' default when None)."""
        token = f"{ORG_ID[:15]}!{secrets.token_urlsafe(48)}"
        with self._lock:
            self._tokens[token] = time.monotonic() + (self.ttl_s if ttl_s is None else ttl_s)
        return token

    def valid(self, token: str) -> bool:
        """Whether the token was issued here and has not expired."""
        with self._lock:
            expiry = self._tokens.get(token)
        return expiry is not None and expiry > time.monotonic()

    def expire_all(self) -> None:
        """Expire every issued token (the next call with one answers 401 INVALID_SESSION_ID)."""
        with self._lock:
            self._tokens = dict.fromkeys(self._tokens, 0.0)

    def check(self, request: Request) -> None:
        """Raise 401 unless the request carries a valid ``Authorization: Bearer`` token."""
        header = request.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() not in ("bearer", "oauth") or not self.valid(token.strip()):
            raise invalid_session()


def _oauth_error(error: str, description: str) -> Response:
    return json_ok({"error": error, "error_description": description}, 400)


def _token_payload(app: SalesforceSandboxApp, token: str, base_url: str) -> dict[str, object]:
    issued = str(int(time.time() * 1000))
    signature = hmac.new(
        app.credentials.consumer_secret.encode(), (base_url + issued).encode(), hashlib.sha256
    ).digest()
    return {
        "access_token": token,
        "instance_url": base_url,
        "id": f"{base_url}/id/{ORG_ID}/{USER_ID}",
        "token_type": "Bearer",
        "issued_at": issued,
        "signature": base64.b64encode(signature).decode(),
        "scope": "api",
    }


def _jwt_bearer(app: SalesforceSandboxApp, request: Request, form: dict[str, str]) -> Response:
    creds = app.credentials
    base = app.instance_url(request).rstrip("/")
    try:
        check_assertion(
            form.get("assertion", ""),
            certificate=creds.jwt_certificate,
            consumer_key=creds.consumer_key,
            username=creds.username,
            audiences=(base, *LOGIN_HOSTS),
        )
    except GrantRefused as refused:
        return _oauth_error(refused.error, refused.description)
    return json_ok(_token_payload(app, app.sessions.issue(), base))


def oauth_token(app: SalesforceSandboxApp, request: Request) -> Response:
    """``POST /services/oauth2/token``: password, client_credentials, refresh_token, JWT bearer."""
    form = {k: v[0] for k, v in parse_qs(request.body.decode("utf-8", "replace")).items()}
    creds = app.credentials
    grant = form.get("grant_type")
    if grant == JWT_GRANT:
        return _jwt_bearer(app, request, form)
    client_id, client_secret = form.get("client_id"), form.get("client_secret")
    basic = request.headers.get("authorization", "")
    if basic.lower().startswith("basic "):
        try:
            decoded = base64.b64decode(basic[6:].strip()).decode()
        except ValueError:
            return _oauth_error("invalid_client", "invalid client credentials")
        client_id, _, client_secret = decoded.partition(":")
    if grant not in ("password", "client_credentials", "refresh_token"):
        return _oauth_error("unsupported_grant_type", "grant type not supported")
    if client_id != creds.consumer_key:
        return _oauth_error("invalid_client_id", "client identifier invalid")
    # A refresh token may be used without the secret (a public client), never with a wrong one.
    if client_secret != creds.consumer_secret and not (
        grant == "refresh_token" and client_secret is None
    ):
        return _oauth_error("invalid_client", "invalid client credentials")
    if grant == "refresh_token" and form.get("refresh_token") != creds.refresh_token:
        return _oauth_error("invalid_grant", "expired access/refresh token")
    if grant == "password":
        password = form.get("password") or ""
        accepted = (creds.password, creds.password + creds.security_token)
        if form.get("username") != creds.username or password not in accepted:
            return _oauth_error("invalid_grant", "authentication failure")
    return json_ok(_token_payload(app, app.sessions.issue(), app.instance_url(request)))


def _xml_value(body: str, tag: str) -> str | None:
    m = re.search(rf"<(?:\w+:)?{tag}>(.*?)</(?:\w+:)?{tag}>", body, re.DOTALL)
    return m.group(1) if m else None


def soap_login(app: SalesforceSandboxApp, request: Request) -> Response:
    """``POST /services/Soap/u/{version}``: the partner API login simple-salesforce uses."""
    body = request.body.decode("utf-8", "replace")
    creds = app.credentials
    username, password = _xml_value(body, "username"), _xml_value(body, "password")
    if username != escape(creds.username) or password not in (
        escape(creds.password),
        escape(creds.password + creds.security_token),
    ):
        fault = (
            '<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope '
            'xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" '
            'xmlns:sf="urn:fault.partner.soap.sforce.com"><soapenv:Body><soapenv:Fault>'
            "<faultcode>INVALID_LOGIN</faultcode><faultstring>INVALID_LOGIN: Invalid username, "
            "password, security token; or user locked out.</faultstring><detail>"
            "<sf:LoginFault><sf:exceptionCode>INVALID_LOGIN</sf:exceptionCode>"
            "<sf:exceptionMessage>Invalid username, password, security token; or user locked "
            "out.</sf:exceptionMessage></sf:LoginFault></detail></soapenv:Fault></soapenv:Body>"
            "</soapenv:Envelope>"
        )
        return Response(500, fault.encode(), {"Content-Type": "text/xml;charset=UTF-8"})
    version = request.params.get("version", "59.0")
    token = app.sessions.issue()
    base_url = app.instance_url(request)
    ok = (
        '<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope '
        'xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" '
        'xmlns="urn:partner.soap.sforce.com"><soapenv:Body><loginResponse><result>'
        f"<metadataServerUrl>{base_url}/services/Soap/m/{version}/{ORG_ID}</metadataServerUrl>"
        "<passwordExpired>false</passwordExpired><sandbox>true</sandbox>"
        f"<serverUrl>{base_url}/services/Soap/u/{version}/{ORG_ID}</serverUrl>"
        f"<sessionId>{token}</sessionId><userId>{USER_ID}</userId>"
        "</result></loginResponse></soapenv:Body></soapenv:Envelope>"
    )
    return Response(200, ok.encode(), {"Content-Type": "text/xml;charset=UTF-8"})
