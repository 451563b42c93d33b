"""``channelsync sandbox serve``: run a local Salesforce- or HubSpot-compatible CRM until Ctrl-C."""

from __future__ import annotations

import shutil
import tempfile
from enum import StrEnum

import typer

from channelsync.cli.consoles import out as _out
from connector.connections import SANDBOX_SECRETS
from connector.settings import ConnectorSettings
from crm_sandbox.common.server import BindError, SandboxApp, serve_forever
from crm_sandbox.hubspot.testing import build_hubspot_sandbox
from crm_sandbox.salesforce.app import SalesforceSandboxApp
from crm_sandbox.salesforce.jwt_grant import make_jwt_keys
from crm_sandbox.salesforce.tls import SandboxTls, make_tls
from order_core.errors import DomainError

sandbox_app = typer.Typer(
    help="Local CRM sandboxes (Salesforce- and HubSpot-compatible servers) for demos and tests.",
    no_args_is_help=True,
)
#: The name the top-level CLI mounts.
app = sandbox_app


class SandboxKind(StrEnum):
    """Which CRM to imitate."""

    salesforce = "salesforce"
    hubspot = "hubspot"


def build_salesforce(
    *, seed: int, records: int, cert_dir: str | None = None
) -> tuple[SalesforceSandboxApp, SandboxTls]:
    """A seeded Salesforce sandbox app and the TLS material it serves with."""
    return SalesforceSandboxApp(seed=seed, records=records), make_tls(cert_dir)


#: Lifetime of the access token ``serve`` prints (the sandbox's own logins last two hours).
PRINTED_TOKEN_TTL_S = 7 * 24 * 3600.0


def python_lines(base_url: str, ca_path: str, token: str) -> list[str]:
    """Python that connects simple-salesforce to the sandbox with a ready token."""
    return [
        "import requests",
        "from simple_salesforce import Salesforce",
        "session = requests.Session()",
        f"session.verify = {ca_path!r}",
        "session.trust_env = False  # else REQUESTS_CA_BUNDLE would replace verify",
        f"sf = Salesforce(instance_url={base_url!r}, session_id={token!r}, session=session)",
        'print(sf.query("SELECT Id, Name FROM Account LIMIT 3"))',
    ]


def describe_salesforce(
    app: SalesforceSandboxApp, base_url: str, ca_path: str, jwt_key_path: str | None = None
) -> list[str]:
    """The lines ``serve`` prints: a ready token, the Python to connect, the OAuth credentials."""
    creds = app.credentials
    counts = ", ".join(f"{n} {name}" for name, n in app.seed_summary.items() if n)
    token = app.sessions.issue(PRINTED_TOKEN_TTL_S)
    lines = [
        f"Salesforce sandbox at {base_url}",
        f"  instance_url     {base_url}",
        f"  access token     {token}  (valid 7 days)",
        f"  CA bundle        {ca_path}",
        f"  seeded           {counts}",
        "Connect with simple-salesforce:",
        *(f"    {line}" for line in python_lines(base_url, ca_path, token)),
        f"OAuth 2.0 at {base_url}/services/oauth2/token (password, client_credentials,"
        " refresh_token, JWT bearer; not simple-salesforce's username login, which calls"
        " login.salesforce.com):",
        f"  username         {creds.username}",
        f"  password         {creds.password}",
        f"  security token   {creds.security_token}",
        f"  consumer key     {creds.consumer_key}",
        f"  consumer secret  {creds.consumer_secret}",
        f"  refresh token    {creds.refresh_token}",
    ]
    if jwt_key_path:
        lines.append(
            f"  JWT private key  {jwt_key_path}  (iss = consumer key, sub = username, aud = {base_url})"
        )
    lines.append("Press Ctrl-C to stop.")
    return lines


def _serve_salesforce(host: str, port: int, seed: int, records: int) -> None:
    with tempfile.TemporaryDirectory(prefix="sf-sandbox-") as cert_dir:
        sf_app, tls = build_salesforce(seed=seed, records=records, cert_dir=cert_dir)
        keys = make_jwt_keys(cert_dir)
        sf_app.credentials.jwt_certificate = keys.certificate_pem

        def ready(base_url: str) -> None:
            sf_app.base_url = base_url
            for line in describe_salesforce(sf_app, base_url, tls.ca_path, keys.private_key_path):
                _out().print(line, highlight=False, soft_wrap=True)
            shared = publish_ca(tls.ca_path)
            _out().print(
                f"The default connection `salesforce` (no CHANNELSYNC_CONNECTIONS_FILE) trusts {shared}.",
                highlight=False,
                soft_wrap=True,
            )

        serve_forever(sf_app, host=host, port=port, tls=tls.context, ready=ready)


def publish_ca(ca_path: str) -> str:
    """Copy the sandbox's CA bundle to CHANNELSYNC_SANDBOX_DIR, where the default `salesforce`
    connection looks for it; returns the copy's path."""
    folder = ConnectorSettings().sandbox_dir.expanduser()
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / "sandbox-ca.pem"
    shutil.copyfile(ca_path, target)
    return str(target)


#: The access token ``serve hubspot`` accepts: the one the default `hubspot` connection sends.
HUBSPOT_TOKEN = SANDBOX_SECRETS["CHANNELSYNC_SANDBOX_HS_TOKEN"]


def build_hubspot(*, seed: int, records: int) -> tuple[SandboxApp, str]:
    """A seeded HubSpot sandbox app and its access token (the default connection's)."""
    return build_hubspot_sandbox(seed=seed, records=records, access_token=HUBSPOT_TOKEN)


def describe_hubspot(base_url: str, token: str) -> list[str]:
    """The lines ``serve hubspot`` prints."""
    return [
        f"HubSpot sandbox at {base_url}",
        f"  access token  {token}",
        f"  client        HubSpot(access_token=..., host={base_url!r})",
        "Press Ctrl-C to stop.",
    ]


def _serve_hubspot(host: str, port: int, seed: int, records: int) -> None:
    hs_app, token = build_hubspot(seed=seed, records=records)

    def ready(base_url: str) -> None:
        for line in describe_hubspot(base_url, token):
            _out().print(line, highlight=False, soft_wrap=True)

    serve_forever(hs_app, host=host, port=port, ready=ready)


@sandbox_app.command("serve")
def serve(
    kind: SandboxKind = typer.Argument(..., help="salesforce or hubspot"),
    port: int | None = typer.Option(
        None,
        "--port",
        min=0,
        max=65535,
        help="Port to listen on (0 = any free port; default 8443 for salesforce, 8090 for hubspot,"
        " where the default connections look).",
    ),
    seed: int = typer.Option(1, "--seed", help="Seed of the generated data."),
    records: int = typer.Option(
        50, "--records", min=1, help="Number of deals; other counts scale from it."
    ),
    host: str = typer.Option("127.0.0.1", "--host", help="Interface to bind."),
) -> None:
    """Serve a seeded CRM sandbox and print how to connect to it."""
    try:
        if kind is SandboxKind.salesforce:
            _serve_salesforce(host, 8443 if port is None else port, seed, records)
        else:
            _serve_hubspot(host, 8090 if port is None else port, seed, records)
    except BindError as exc:
        raise DomainError(
            f"{exc}; choose another --port (0 picks a free one) or a --host of this machine"
        ) from None
