"""Logging in: JWT bearer, client credentials and refresh token against the sandbox; refusals."""

from __future__ import annotations

import time
from pathlib import Path
from urllib.parse import parse_qs

import jwt
import pytest

from connector.connections import JwtBearer, RefreshToken, load_connections
from connector.errors import AuthError, CrmError, FatalError
from connector.salesforce import auth, open_salesforce
from crm_sandbox.common.faults import Fault
from crm_sandbox.salesforce.jwt_grant import make_jwt_keys, verifying_key
from crm_sandbox.salesforce.testing import SalesforceSandboxHandle
from tests.connector.salesforce.conftest import (
    OPP_FIELDS,
    RECORDS,
    SourceFactory,
    api_calls,
    records_of,
)


def _token_form(sandbox: SalesforceSandboxHandle) -> dict[str, str]:
    body = sandbox.app.requests("oauth.token")[-1].body
    return {k: v[0] for k, v in parse_qs(body).items()}


def _read_all(make_source: SourceFactory, **kw: object) -> int:
    source = make_source(**kw)
    return len(records_of(list(source.changed("Opportunity", OPP_FIELDS, [], None))))


def _jwt(sandbox: SalesforceSandboxHandle, username: str | None = None) -> JwtBearer:
    return JwtBearer(
        flow="jwt_bearer",
        client_id=sandbox.consumer_key,
        username=username or sandbox.username,
        private_key_file_env="SF_KEY",
    )


def _no_secret_in(exc: BaseException, *secrets: str) -> None:
    text = str(exc)
    for secret in secrets:
        assert secret not in text


def test_jwt_bearer_from_a_connections_file(
    sandbox: SalesforceSandboxHandle, tmp_path: Path
) -> None:
    (tmp_path / "salesforce.yaml").write_text("version: 1\n")
    (tmp_path / "connections.yaml").write_text(
        "connections:\n"
        "  acme-sf:\n"
        "    kind: salesforce\n"
        "    mapping: salesforce.yaml\n"
        f"    login_url: {sandbox.base_url}\n"
        f"    ca_bundle: {sandbox.ca_path}\n"
        "    auth:\n"
        "      flow: jwt_bearer\n"
        f"      client_id: {sandbox.consumer_key}\n"
        f"      username: {sandbox.username}\n"
        "      private_key_file_env: ACME_SF_KEY\n"
    )
    connections = load_connections(
        tmp_path / "connections.yaml", env={"ACME_SF_KEY": sandbox.jwt_key_path}
    )
    source = open_salesforce(connections["acme-sf"])
    try:
        records = records_of(list(source.changed("Opportunity", OPP_FIELDS, [], None)))
    finally:
        source.close()
    assert len(records) == RECORDS
    form = _token_form(sandbox)
    assert form["grant_type"] == "urn:ietf:params:oauth:grant-type:jwt-bearer"
    assert sandbox.app.credentials.jwt_certificate is not None
    claims = jwt.decode(
        form["assertion"],
        verifying_key(sandbox.app.credentials.jwt_certificate),
        algorithms=["RS256"],
        audience=sandbox.base_url,
    )
    assert (claims["iss"], claims["sub"]) == (sandbox.consumer_key, sandbox.username)
    assert 0 < claims["exp"] - time.time() <= auth.ASSERTION_LIFETIME_S
    assert jwt.get_unverified_header(form["assertion"])["alg"] == "RS256"


def test_client_credentials_and_refresh_token_flows(
    sandbox: SalesforceSandboxHandle, make_source: SourceFactory
) -> None:
    assert _read_all(make_source) == RECORDS
    assert _token_form(sandbox) == {
        "grant_type": "client_credentials",
        "client_id": sandbox.consumer_key,
        "client_secret": sandbox.consumer_secret,
    }
    with_secret = RefreshToken(
        flow="refresh_token",
        client_id=sandbox.consumer_key,
        client_secret_env="SF_SECRET",
        refresh_token_env="SF_REFRESH",
    )
    secrets = {"client_secret": sandbox.consumer_secret, "refresh_token": sandbox.refresh_token}
    assert _read_all(make_source, auth=with_secret, secrets=secrets) == RECORDS
    assert _token_form(sandbox)["grant_type"] == "refresh_token"
    public = with_secret.model_copy(update={"client_secret_env": None})
    secrets = {"refresh_token": sandbox.refresh_token}
    assert _read_all(make_source, auth=public, secrets=secrets) == RECORDS
    assert "client_secret" not in _token_form(sandbox)
    assert api_calls(sandbox)["oauth.token"] == 3


@pytest.mark.parametrize(
    ("case", "said"),
    [
        ("bad key", "invalid_grant: invalid assertion"),
        ("unknown user", "invalid_grant: user hasn't approved this consumer"),
        ("expired assertion", "invalid_grant: expired authorization code"),
        ("unknown consumer key", "invalid_client_id: client identifier invalid"),
        ("wrong audience", "invalid_grant: audience is invalid"),
    ],
)
def test_jwt_bearer_refusals_are_auth_errors_with_salesforce_reason(
    sandbox: SalesforceSandboxHandle,
    make_source: SourceFactory,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    case: str,
    said: str,
) -> None:
    key_path = sandbox.jwt_key_path
    flow = _jwt(sandbox)
    overrides: dict[str, object] = {}
    if case == "bad key":
        key_path = make_jwt_keys(str(tmp_path)).private_key_path
    elif case == "unknown user":
        flow = _jwt(sandbox, "nobody@example.com")
    elif case == "expired assertion":
        monkeypatch.setattr(auth, "ASSERTION_LIFETIME_S", -60)
    elif case == "unknown consumer key":
        flow = flow.model_copy(update={"client_id": "someone-else"})
    else:  # the assertion names another org's login URL than the one it is sent to
        monkeypatch.setattr(auth, "token_url", lambda spec: sandbox.token_url)
        overrides["login_url"] = "https://acme.my.salesforce.com"
    source = make_source(auth=flow, secrets={"private_key_file": key_path}, **overrides)
    with pytest.raises(AuthError) as caught:
        list(source.changed("Opportunity", OPP_FIELDS, [], None))
    assert said in str(caught.value)
    assert str(caught.value).startswith("sf: Salesforce refused the jwt_bearer login at ")
    assert api_calls(sandbox) == {"oauth.token": 1}  # a refusal is not retried
    _no_secret_in(caught.value, _token_form(sandbox)["assertion"], key_path)


def test_unreadable_or_non_pem_key_names_the_variable_not_the_file(
    sandbox: SalesforceSandboxHandle, make_source: SourceFactory, tmp_path: Path
) -> None:
    missing = str(tmp_path / "secret-location" / "key.pem")
    source = make_source(auth=_jwt(sandbox), secrets={"private_key_file": missing})
    with pytest.raises(FatalError, match=r"named by SF_KEY .* No such file") as caught:
        list(source.changed("Opportunity", OPP_FIELDS, [], None))
    _no_secret_in(caught.value, missing)
    garbage = tmp_path / "key.pem"
    garbage.write_text("not a key")
    source = make_source(auth=_jwt(sandbox), secrets={"private_key_file": str(garbage)})
    with pytest.raises(FatalError, match="SF_KEY is not a PEM RSA private key") as caught:
        list(source.changed("Opportunity", OPP_FIELDS, [], None))
    _no_secret_in(caught.value, str(garbage), "not a key")
    assert api_calls(sandbox) == {}


def test_wrong_client_secret_is_refused_without_echoing_it(
    sandbox: SalesforceSandboxHandle, make_source: SourceFactory
) -> None:
    wrong = "not-the-secret-4242"
    with pytest.raises(AuthError, match="invalid_client: invalid client credentials") as caught:
        _read_all(make_source, secrets={"client_secret": wrong})
    _no_secret_in(caught.value, wrong, sandbox.consumer_secret)
    assert api_calls(sandbox) == {"oauth.token": 1}


def test_a_busy_token_endpoint_is_retried(
    sandbox: SalesforceSandboxHandle, make_source: SourceFactory
) -> None:
    sandbox.app.add_fault(Fault("oauth.token", "status", 503, times=2))
    assert _read_all(make_source) == RECORDS
    assert api_calls(sandbox)["oauth.token"] == 3


def test_tokens_and_secrets_stay_out_of_reprs_and_errors(
    sandbox: SalesforceSandboxHandle, make_source: SourceFactory
) -> None:
    source = make_source()
    token = auth.request_token(source.client.connection, source.client.session)
    assert token.access_token not in repr(token)
    assert sandbox.consumer_secret not in repr(source.client.connection)
    sandbox.app.admin_api.fail_session("queryAll", times=None)
    with pytest.raises(CrmError) as caught:
        list(source.changed("Opportunity", OPP_FIELDS, [], None))
    _no_secret_in(caught.value, source.client.sf.session_id, sandbox.consumer_secret)
