"""``channelsync sandbox serve salesforce`` start-up: the app it builds and what it prints."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from channelsync.cli.sandbox import (
    build_hubspot,
    build_salesforce,
    describe_hubspot,
    describe_salesforce,
    sandbox_app,
)
from crm_sandbox.common.http import Request
from crm_sandbox.salesforce.testing import SalesforceSandboxHandle


def test_build_and_describe_salesforce(tmp_path: Path) -> None:
    app, tls = build_salesforce(seed=3, records=20, cert_dir=str(tmp_path))
    assert Path(tls.ca_path).read_text().startswith("-----BEGIN CERTIFICATE-----")
    lines = describe_salesforce(app, "https://127.0.0.1:8443", tls.ca_path)
    text = "\n".join(lines)
    for value in (
        app.credentials.username,
        app.credentials.password,
        app.credentials.consumer_key,
        app.credentials.consumer_secret,
        tls.ca_path,
    ):
        assert value in text
    assert "https://127.0.0.1:8443/services/oauth2/token" in text
    assert "20 Opportunity" in text
    # The printed credentials log in to the app that was built (dispatched in-process, no socket).
    form = f"grant_type=password&client_id={app.credentials.consumer_key}&client_secret={app.credentials.consumer_secret}&username={app.credentials.username}&password={app.credentials.password}"
    response, _ = app.dispatch(
        Request.parse("POST", "/services/oauth2/token", {"Host": "127.0.0.1:8443"}, form.encode())
    )
    assert response.status == 200
    assert json.loads(response.body)["instance_url"] == "https://127.0.0.1:8443"


def test_serve_help_lists_options() -> None:
    result = CliRunner().invoke(sandbox_app, ["serve", "--help"])
    assert result.exit_code == 0
    for option in ("--port", "--seed", "--records"):
        assert option in result.output


def test_build_and_describe_hubspot() -> None:
    app, token = build_hubspot(seed=2, records=5)
    lines = describe_hubspot("http://127.0.0.1:8080", token)
    assert token and token in lines[1]
    assert lines[0] == "HubSpot sandbox at http://127.0.0.1:8080"
    assert app.router.allows_path("/crm/v3/objects/deals")


def test_printed_python_connects_simple_salesforce_with_the_printed_token(
    sf_sandbox: SalesforceSandboxHandle, monkeypatch: pytest.MonkeyPatch
) -> None:
    lines = describe_salesforce(
        sf_sandbox.app, sf_sandbox.base_url, sf_sandbox.ca_path, sf_sandbox.jwt_key_path
    )
    text = "\n".join(lines)
    assert f"JWT private key  {sf_sandbox.jwt_key_path}" in text
    assert "not simple-salesforce's username login" in text
    start = lines.index("Connect with simple-salesforce:") + 1
    code = [line.removeprefix("    ") for line in lines[start:] if line.startswith("    ")]
    assert any("session_id=" in line for line in code)
    # A stale REQUESTS_CA_BUNDLE in the newcomer's shell must not break the printed lines.
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/nonexistent/ca.pem")
    printed: list[object] = []
    exec("\n".join(code), {"print": printed.append})
    (answer,) = printed
    assert isinstance(answer, dict) and answer["totalSize"] == 3
    assert [r["attributes"]["type"] for r in answer["records"]] == ["Account"] * 3
