"""The sandbox's JWT bearer grant: what it accepts and how it refuses, in Salesforce's words."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jwt
import pytest
import requests
from cryptography.hazmat.primitives import serialization
from simple_salesforce.api import Salesforce
from simple_salesforce.exceptions import SalesforceAuthenticationFailed

from crm_sandbox.salesforce.jwt_grant import GRANT_TYPE, make_jwt_keys
from crm_sandbox.salesforce.testing import SalesforceSandboxHandle, running_salesforce_sandbox


@pytest.fixture()
def sandbox() -> Iterator[SalesforceSandboxHandle]:
    """A sandbox of this module's own: tests here change its connected app's certificate."""
    with running_salesforce_sandbox(seed=2, records=10) as handle:
        yield handle


def _assertion(handle: SalesforceSandboxHandle, key_path: str | None = None, **claims: Any) -> str:
    payload: dict[str, Any] = {
        "iss": handle.consumer_key,
        "sub": handle.username,
        "aud": handle.base_url,
        "exp": int(time.time()) + 120,
    }
    payload.update(claims)
    key = Path(key_path or handle.jwt_key_path).read_bytes()
    return jwt.encode({k: v for k, v in payload.items() if v is not None}, key, algorithm="RS256")


def _grant(handle: SalesforceSandboxHandle, assertion: str) -> requests.Response:
    return requests.post(
        handle.token_url,
        data={"grant_type": GRANT_TYPE, "assertion": assertion},
        verify=handle.ca_path,
        timeout=10,
    )


def test_a_good_assertion_gets_a_working_token(sandbox: SalesforceSandboxHandle) -> None:
    answer = _grant(sandbox, _assertion(sandbox))
    assert answer.status_code == 200
    body = answer.json()
    assert body["token_type"] == "Bearer" and body["instance_url"] == sandbox.base_url
    assert sandbox.app.sessions.valid(body["access_token"])
    # The login hosts are audiences Salesforce accepts too.
    aud = "https://login.salesforce.com"
    assert _grant(sandbox, _assertion(sandbox, aud=aud)).status_code == 200


@pytest.mark.parametrize(
    ("claims", "error", "description"),
    [
        ({"iss": "unknown-app"}, "invalid_client_id", "client identifier invalid"),
        ({"aud": "https://evil.example.com"}, "invalid_grant", "audience is invalid"),
        ({"exp": int(time.time()) - 5}, "invalid_grant", "expired authorization code"),
        ({"exp": None}, "invalid_grant", "expired authorization code"),
        ({"sub": "someone@else.example"}, "invalid_grant", "user hasn't approved this consumer"),
    ],
)
def test_claims_are_checked(
    sandbox: SalesforceSandboxHandle, claims: dict[str, Any], error: str, description: str
) -> None:
    answer = _grant(sandbox, _assertion(sandbox, **claims))
    assert answer.status_code == 400
    assert answer.json() == {"error": error, "error_description": description}


def test_signature_is_checked_against_the_configured_certificate(
    sandbox: SalesforceSandboxHandle, tmp_path: Path
) -> None:
    other = make_jwt_keys(str(tmp_path))
    refused = _grant(sandbox, _assertion(sandbox, key_path=other.private_key_path))
    assert refused.json() == {"error": "invalid_grant", "error_description": "invalid assertion"}
    assert _grant(sandbox, "not.a.jwt").json()["error_description"] == "invalid assertion"
    # Configure the other key's bare public key over the admin HTTP API: now it signs for the app.
    public = (
        serialization.load_pem_private_key(Path(other.private_key_path).read_bytes(), None)
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    put = requests.put(
        f"{sandbox.base_url}/__admin/salesforce/jwt-certificate",
        json={"certificate": public},
        verify=sandbox.ca_path,
        timeout=10,
    )
    assert put.status_code == 204
    assert _grant(sandbox, _assertion(sandbox, key_path=other.private_key_path)).status_code == 200
    assert _grant(sandbox, _assertion(sandbox)).status_code == 400


def test_simple_salesforce_logs_in_with_its_own_jwt_flow(sandbox: SalesforceSandboxHandle) -> None:
    sf = Salesforce(
        username=sandbox.username,
        consumer_key=sandbox.consumer_key,
        privatekey_file=sandbox.jwt_key_path,
        session=sandbox.requests_session(),  # sends login.salesforce.com to the sandbox
        version=sandbox.version,
    )
    assert sf.query("SELECT Id FROM Opportunity")["totalSize"] == 10
    with (
        pytest.raises(SalesforceAuthenticationFailed, match="user hasn't approved"),
        pytest.warns(UserWarning),
    ):
        Salesforce(
            username="nobody@example.com",
            consumer_key=sandbox.consumer_key,
            privatekey_file=sandbox.jwt_key_path,
            session=sandbox.requests_session(),
        )


def test_refresh_token_grant(sandbox: SalesforceSandboxHandle) -> None:
    def grant(**form: str) -> requests.Response:
        return requests.post(
            sandbox.token_url,
            data={"grant_type": "refresh_token", "client_id": sandbox.consumer_key, **form},
            verify=sandbox.ca_path,
            timeout=10,
        )

    assert grant(refresh_token=sandbox.refresh_token).status_code == 200
    ok = grant(refresh_token=sandbox.refresh_token, client_secret=sandbox.consumer_secret)
    assert ok.status_code == 200
    assert grant(refresh_token="revoked").json() == {
        "error": "invalid_grant",
        "error_description": "expired access/refresh token",
    }
    assert grant(refresh_token=sandbox.refresh_token, client_secret="x").json()["error"] == (
        "invalid_client"
    )
