"""Private-app and OAuth refresh-token auth against the sandbox: one refresh on a 401, a refresh
ahead of expiry, and AuthError without a secret in the message or the log."""

from __future__ import annotations

import json
import logging

import pytest

from connector.errors import AuthError
from connector.hubspot import HubSpotSource
from crm_sandbox.common.faults import Fault
from crm_sandbox.hubspot import HubSpotSandboxHandle
from tests.connector.hubspot.conftest import FakeClock, Opener, oauth_app, private_app

SECRET = "app-secret-5f2c"
EXPIRED = json.dumps(
    {
        "status": "error",
        "message": "The OAuth token used to make this call expired 0 day(s) ago.",
        "category": "EXPIRED_AUTHENTICATION",
    }
).encode()


def _read(source: HubSpotSource) -> int:
    return sum(len(p.records) for p in source.changed("deals", ["dealname"], [], None))


def _oauth(hs: HubSpotSandboxHandle, open_source: Opener) -> tuple[HubSpotSource, str]:
    refresh = hs.app.issue_refresh_token("channelsync-app", SECRET)
    return open_source(oauth_app(hs, SECRET, refresh)), refresh


def _issued(hs: HubSpotSandboxHandle) -> set[str]:
    return {t for t in hs.app.tokens if t != hs.access_token}


def test_private_app_token(hs: HubSpotSandboxHandle, source: HubSpotSource) -> None:
    assert _read(source) == 40
    assert hs.app.calls() == {"deals.search": 1}


def test_refused_private_app_token_is_one_auth_error_without_the_token(
    hs: HubSpotSandboxHandle, open_source: Opener, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    source = open_source(private_app(hs, token="pat-na1-not-a-real-token"))
    with pytest.raises(AuthError) as refused:
        _read(source)
    text = str(refused.value)
    assert "$EMEA_HS_TOKEN" in text and "pat-na1-not-a-real-token" not in text
    assert "INVALID_AUTHENTICATION" in text
    assert "pat-na1-not-a-real-token" not in caplog.text
    assert hs.app.calls() == {"deals.search": 1}  # no retry, no refresh possible


def test_refresh_flow_gets_its_access_token_first(
    hs: HubSpotSandboxHandle, open_source: Opener
) -> None:
    source, _ = _oauth(hs, open_source)
    assert _read(source) == 40
    assert hs.app.calls() == {"oauth.token": 1, "deals.search": 1}
    assert len(_issued(hs)) == 1
    form = hs.app.requests("oauth.token")[0].body
    assert "grant_type=refresh_token" in form and "client_id=channelsync-app" in form


def test_a_token_expired_mid_run_is_refreshed_once(
    hs: HubSpotSandboxHandle, open_source: Opener
) -> None:
    source, _ = _oauth(hs, open_source)
    assert _read(source) == 40
    (first,) = _issued(hs)
    hs.app.revoke_token(first)  # HubSpot now answers 401 EXPIRED_AUTHENTICATION
    ids = [str(r.id) for r in hs.app.records("deals")[:3]]
    assert [r.crm_id for r in source.fetch("deals", ids, ["dealname"], [])] == ids
    assert hs.app.calls() == {"oauth.token": 2, "deals.search": 1, "deals.batch.read": 2}
    assert [r.status for r in hs.app.requests("deals.batch.read")] == [401, 200]
    assert len(_issued(hs)) == 1 and _issued(hs) != {first}


def test_the_token_is_refreshed_ahead_of_its_expiry(
    hs: HubSpotSandboxHandle, open_source: Opener, pace_clock: FakeClock
) -> None:
    hs.app.oauth.expires_in = 120
    source, _ = _oauth(hs, open_source)
    _read(source)
    pace_clock.t += 59  # more than a minute left: the token stays
    _read(source)
    assert hs.app.calls()["oauth.token"] == 1
    pace_clock.t += 2  # within a minute of expiry: renewed before the next call
    _read(source)
    assert hs.app.calls() == {"oauth.token": 2, "deals.search": 3}
    assert {r.status for r in hs.app.requests("deals.search")} == {200}  # never a 401


def test_a_second_401_after_the_refresh_is_an_auth_error(
    hs: HubSpotSandboxHandle, open_source: Opener, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    source, refresh = _oauth(hs, open_source)
    hs.app.add_fault(Fault("deals.search", status=401, body=EXPIRED, times=2))
    with pytest.raises(AuthError) as refused:
        _read(source)
    assert hs.app.calls() == {"oauth.token": 2, "deals.search": 2}
    text = str(refused.value)
    assert "EXPIRED_AUTHENTICATION" in text and "$HS_REFRESH_TOKEN" in text
    for secret in (SECRET, refresh, *_issued(hs)):
        assert secret not in text and secret not in caplog.text


def test_a_revoked_refresh_token_is_an_auth_error_without_secrets(
    hs: HubSpotSandboxHandle, open_source: Opener
) -> None:
    source, refresh = _oauth(hs, open_source)
    hs.app.revoke_refresh_token(refresh)
    with pytest.raises(AuthError) as refused:
        _read(source)
    text = str(refused.value)
    assert "BAD_REFRESH_TOKEN" in text and "re-authorize the app channelsync-app" in text
    assert refresh not in text and SECRET not in text
    assert hs.app.calls() == {"oauth.token": 1}


def test_a_wrong_client_secret_is_an_auth_error(
    hs: HubSpotSandboxHandle, open_source: Opener
) -> None:
    refresh = hs.app.issue_refresh_token("channelsync-app", SECRET)
    source = open_source(oauth_app(hs, "not-the-secret", refresh))
    with pytest.raises(AuthError, match="BAD_CLIENT_ID") as refused:
        _read(source)
    assert "not-the-secret" not in str(refused.value) and refresh not in str(refused.value)
    assert hs.app.calls() == {"oauth.token": 1}


def test_a_token_endpoint_outage_is_retried(
    hs: HubSpotSandboxHandle, open_source: Opener, retry_clock: FakeClock
) -> None:
    source, _ = _oauth(hs, open_source)
    hs.app.add_fault(Fault("oauth.token", status=503, times=1))
    assert _read(source) == 40
    assert hs.app.calls() == {"oauth.token": 2, "deals.search": 1}
    assert len(retry_clock.sleeps) == 1
