"""Run the Salesforce sandbox in-process for tests: a context manager yielding a handle with credentials."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter

from crm_sandbox.common.server import start_in_thread
from crm_sandbox.salesforce.app import SalesforceSandboxApp
from crm_sandbox.salesforce.jwt_grant import make_jwt_keys
from crm_sandbox.salesforce.tls import make_tls

API_VERSION = "59.0"


class LoginHostAdapter(HTTPAdapter):
    """Sends calls for ``https://<domain>.salesforce.com`` (simple-salesforce's login hosts) to the sandbox.

    It also pins certificate verification to the sandbox CA for calls to the sandbox.
    """

    def __init__(self, base_url: str, ca_path: str) -> None:
        super().__init__()
        self.base_url = base_url.rstrip("/")
        self.ca_path = ca_path

    def send(
        self, request: requests.PreparedRequest, *args: Any, **kwargs: Any
    ) -> requests.Response:
        """Rewrite login-host URLs, then send as usual."""
        parts = urlsplit(request.url or "")
        if parts.hostname and parts.hostname.endswith(".salesforce.com"):
            request.url = self.base_url + parts.path + (f"?{parts.query}" if parts.query else "")
            request.headers.pop("Host", None)
        if (request.url or "").startswith(self.base_url):
            # requests lets REQUESTS_CA_BUNDLE override Session.verify; the sandbox CA must win.
            kwargs["verify"] = self.ca_path
        return super().send(request, *args, **kwargs)


@dataclass
class SalesforceSandboxHandle:
    """A running sandbox: where it is, how to log in, and the app for the Python admin API."""

    app: SalesforceSandboxApp
    base_url: str
    instance_url: str
    username: str
    password: str
    security_token: str
    consumer_key: str
    consumer_secret: str
    ca_path: str
    version: str = API_VERSION
    #: The connected app's private key (PEM) whose certificate the sandbox checks JWT assertions with.
    jwt_key_path: str = ""
    refresh_token: str = ""

    @property
    def token_url(self) -> str:
        """The OAuth 2.0 token endpoint."""
        return f"{self.base_url}/services/oauth2/token"

    def requests_session(self) -> requests.Session:
        """A session trusting the sandbox CA whose calls to ``*.salesforce.com`` reach the sandbox."""
        session = requests.Session()
        session.verify = self.ca_path
        session.mount("https://", LoginHostAdapter(self.base_url, self.ca_path))
        return session

    def access_token(self) -> str:
        """A fresh token from the client-credentials grant."""
        response = requests.post(
            self.token_url,
            data={
                "grant_type": "client_credentials",
                "client_id": self.consumer_key,
                "client_secret": self.consumer_secret,
            },
            verify=self.ca_path,
            timeout=10,
        )
        response.raise_for_status()
        token = response.json()["access_token"]
        assert isinstance(token, str)
        return token

    def client(self, **kwargs: Any) -> Any:
        """A ``simple_salesforce.Salesforce`` logged in with a client-credentials token."""
        from simple_salesforce.api import Salesforce

        return Salesforce(
            instance_url=self.instance_url,
            session_id=self.access_token(),
            session=self.requests_session(),
            version=self.version,
            **kwargs,
        )


@contextmanager
def running_salesforce_sandbox(
    *, seed: int = 1, records: int = 50
) -> Iterator[SalesforceSandboxHandle]:
    """Start a seeded sandbox on a free 127.0.0.1 port over HTTPS; stop it and remove the CA on exit."""
    folder = tempfile.mkdtemp(prefix="sf-sandbox-")
    tls = make_tls(folder)
    keys = make_jwt_keys(folder)
    app = SalesforceSandboxApp(seed=seed, records=records)
    app.credentials.jwt_certificate = keys.certificate_pem
    running = start_in_thread(app, tls=tls.context)
    app.base_url = running.base_url
    creds = app.credentials
    try:
        yield SalesforceSandboxHandle(
            app=app,
            base_url=running.base_url,
            instance_url=running.base_url,
            username=creds.username,
            password=creds.password,
            security_token=creds.security_token,
            consumer_key=creds.consumer_key,
            consumer_secret=creds.consumer_secret,
            ca_path=tls.ca_path,
            jwt_key_path=keys.private_key_path,
            refresh_token=creds.refresh_token,
        )
    finally:
        running.stop()
        shutil.rmtree(folder, ignore_errors=True)
