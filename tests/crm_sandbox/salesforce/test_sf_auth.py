"""OAuth token grants, SOAP login, 401 INVALID_SESSION_ID and transparent re-login in simple-salesforce."""

from __future__ import annotations

import base64
import time
from typing import Any

import httpx
import pytest
import requests
from simple_salesforce.api import Salesforce
from simple_salesforce.exceptions import (
    SalesforceAuthenticationFailed,
    SalesforceExpiredSession,
)

from crm_sandbox.salesforce.testing import SalesforceSandboxHandle
from tests.crm_sandbox.salesforce.oracle import content


def test_client_credentials_grant_with_form_fields(sf_sandbox: SalesforceSandboxHandle) -> None:
    response = requests.post(
        sf_sandbox.token_url,
        data={
            "grant_type": "client_credentials",
            "client_id": sf_sandbox.consumer_key,
            "client_secret": sf_sandbox.consumer_secret,
        },
        verify=sf_sandbox.ca_path,
        timeout=10,
    )
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "Bearer"
    assert body["instance_url"] == sf_sandbox.base_url
    assert body["id"].startswith(f"{sf_sandbox.base_url}/id/00D")
    assert int(body["issued_at"]) > 0
    assert sf_sandbox.app.sessions.valid(body["access_token"])


def test_client_credentials_grant_with_basic_auth_via_httpx(
    sf_sandbox: SalesforceSandboxHandle,
) -> None:
    basic = base64.b64encode(
        f"{sf_sandbox.consumer_key}:{sf_sandbox.consumer_secret}".encode()
    ).decode()
    with httpx.Client(
        verify=__import__("ssl").create_default_context(cafile=sf_sandbox.ca_path)
    ) as client:
        ok = client.post(
            sf_sandbox.token_url,
            data={"grant_type": "client_credentials"},
            headers={"Authorization": f"Basic {basic}"},
        )
        bad = client.post(
            sf_sandbox.token_url,
            data={
                "grant_type": "client_credentials",
                "client_id": sf_sandbox.consumer_key,
                "client_secret": "wrong",
            },
        )
        grant = client.post(sf_sandbox.token_url, data={"grant_type": "authorization_code"})
    assert ok.status_code == 200 and ok.json()["access_token"]
    assert bad.status_code == 400
    assert bad.json() == {
        "error": "invalid_client",
        "error_description": "invalid client credentials",
    }
    assert grant.json()["error"] == "unsupported_grant_type"


def test_password_grant_through_simple_salesforce_login(
    sf_sandbox: SalesforceSandboxHandle,
) -> None:
    sf = Salesforce(
        username=sf_sandbox.username,
        password=sf_sandbox.password,
        consumer_key=sf_sandbox.consumer_key,
        consumer_secret=sf_sandbox.consumer_secret,
        session=sf_sandbox.requests_session(),
    )
    assert sf.sf_instance == sf_sandbox.base_url.removeprefix("https://")
    assert sf.query("SELECT COUNT() FROM Account")["totalSize"] == len(
        [r for r in sf_sandbox.app.store.records["Account"].values() if not r["IsDeleted"]]
    )


def test_client_credentials_login_through_simple_salesforce(
    sf_sandbox: SalesforceSandboxHandle,
) -> None:
    sf = Salesforce(
        consumer_key=sf_sandbox.consumer_key,
        consumer_secret=sf_sandbox.consumer_secret,
        domain="channelsync-sandbox.my",
        session=sf_sandbox.requests_session(),
    )
    assert sf.auth_type == "client-credentials"
    assert sf.query("SELECT Id FROM Product2 LIMIT 1")["totalSize"] == 1


def test_soap_login_with_security_token(sf_sandbox: SalesforceSandboxHandle) -> None:
    sf = Salesforce(
        username=sf_sandbox.username,
        password=sf_sandbox.password,
        security_token=sf_sandbox.security_token,
        session=sf_sandbox.requests_session(),
    )
    assert sf.limits()["DailyApiRequests"]["Max"] == sf_sandbox.app.daily_api_max


def test_wrong_password_fails_authentication(sf_sandbox: SalesforceSandboxHandle) -> None:
    with pytest.raises(SalesforceAuthenticationFailed) as soap:
        Salesforce(
            username=sf_sandbox.username,
            password="nope",
            security_token="x",
            session=sf_sandbox.requests_session(),
        )
    assert soap.value.code == "INVALID_LOGIN"
    with pytest.raises(SalesforceAuthenticationFailed) as oauth:
        Salesforce(
            username=sf_sandbox.username,
            password="nope",
            consumer_key=sf_sandbox.consumer_key,
            consumer_secret=sf_sandbox.consumer_secret,
            session=sf_sandbox.requests_session(),
        )
    assert oauth.value.code == "invalid_grant"


def test_missing_or_unknown_token_is_401_invalid_session(
    raw: requests.Session, sf_sandbox: SalesforceSandboxHandle
) -> None:
    url = f"{sf_sandbox.base_url}/services/data/v59.0/limits/"
    for headers in ({"Authorization": ""}, {"Authorization": "Bearer 00Dxx!forged"}):
        response = raw.get(url, headers=headers)
        assert response.status_code == 401
        assert response.json() == [
            {"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}
        ]


def test_tokens_expire_after_their_lifetime(sf_sandbox: SalesforceSandboxHandle) -> None:
    sessions = sf_sandbox.app.sessions
    saved = sessions.ttl_s
    sessions.ttl_s = 0.05
    try:
        sf = sf_sandbox.client()
        time.sleep(0.1)
        with pytest.raises(SalesforceExpiredSession) as exc:
            sf.query("SELECT Id FROM Account LIMIT 1")
    finally:
        sessions.ttl_s = saved
    assert exc.value.status == 401
    assert content(exc.value)[0]["errorCode"] == "INVALID_SESSION_ID"


def test_expired_sessions_make_password_clients_log_in_again(
    sf_sandbox: SalesforceSandboxHandle,
) -> None:
    direct = sf_sandbox.client()
    relogin = Salesforce(
        username=sf_sandbox.username,
        password=sf_sandbox.password,
        consumer_key=sf_sandbox.consumer_key,
        consumer_secret=sf_sandbox.consumer_secret,
        session=sf_sandbox.requests_session(),
    )
    old_token = relogin.session_id
    logins_before = sf_sandbox.app.calls().get("oauth.token", 0)
    sf_sandbox.app.admin_api.expire_sessions()
    with pytest.raises(SalesforceExpiredSession):
        direct.query("SELECT Id FROM Account LIMIT 1")
    result: Any = relogin.query("SELECT Id FROM Account LIMIT 1")
    assert result["totalSize"] == 1
    assert relogin.session_id != old_token
    assert sf_sandbox.app.calls()["oauth.token"] == logins_before + 1
