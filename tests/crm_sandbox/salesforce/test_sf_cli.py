"""``channelsync sandbox serve salesforce`` start-up: the app it builds and what it prints."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from channelsync.cli.sandbox import (
    build_hubspot,
    build_salesforce,
    describe_hubspot,
    describe_salesforce,
    sandbox_app,
)
from crm_sandbox.common.http import Request


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
