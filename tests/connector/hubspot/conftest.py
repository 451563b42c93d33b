"""Fixtures: a fresh HubSpot sandbox per test, connections to it and sources on fake clocks.

Sources get two fake clocks, so nothing really sleeps: ``retry_clock`` for the retry policy's
backoff (its ``sleeps`` are the retry waits) and ``pace_clock`` for the rate-limit windows and
token expiry.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from connector.connections import Connection, HubSpotSpec, PrivateApp, RefreshToken
from connector.hubspot import Clock, HubSpotSource, open_hubspot
from connector.retry import RetryPolicy
from crm_sandbox.hubspot import HubSpotSandboxHandle, RateLimitConfig, running_hubspot_sandbox

MAPPING = Path(__file__).resolve().parents[3] / "mappings" / "hubspot.yaml"
UNLIMITED = RateLimitConfig(enabled=False)


class FakeClock:
    """A clock that only moves when slept on."""

    def __init__(self) -> None:
        self.t = 1000.0
        self.sleeps: list[float] = []

    def now(self) -> float:
        return self.t

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.t += seconds


@pytest.fixture
def hs() -> Iterator[HubSpotSandboxHandle]:
    """A sandbox of its own (seed 7: 40 deals, 12 companies ...), rate limits off."""
    with running_hubspot_sandbox(seed=7, records=40, rate_limits=UNLIMITED) as handle:
        yield handle


@pytest.fixture
def retry_clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def pace_clock() -> FakeClock:
    return FakeClock()


def private_app(hs: HubSpotSandboxHandle, token: str | None = None, **spec: Any) -> Connection:
    """A private-app connection to the sandbox."""
    return Connection(
        name="emea-hs",
        spec=HubSpotSpec(
            kind="hubspot",
            mapping=str(MAPPING),
            base_url=hs.base_url,
            auth=PrivateApp(flow="private_app", token_env="EMEA_HS_TOKEN"),
            **spec,
        ),
        mapping_path=MAPPING,
        secrets={"token": SecretStr(token or hs.access_token)},
    )


def oauth_app(
    hs: HubSpotSandboxHandle, client_secret: str, refresh_token: str, **spec: Any
) -> Connection:
    """An OAuth (refresh token) connection to the sandbox."""
    return Connection(
        name="emea-hs",
        spec=HubSpotSpec(
            kind="hubspot",
            mapping=str(MAPPING),
            base_url=hs.base_url,
            auth=RefreshToken(
                flow="refresh_token",
                client_id="channelsync-app",
                client_secret_env="HS_CLIENT_SECRET",
                refresh_token_env="HS_REFRESH_TOKEN",
            ),
            **spec,
        ),
        mapping_path=MAPPING,
        secrets={
            "client_secret": SecretStr(client_secret),
            "refresh_token": SecretStr(refresh_token),
        },
    )


Opener = Callable[[Connection], HubSpotSource]


@pytest.fixture
def open_source(retry_clock: FakeClock, pace_clock: FakeClock) -> Iterator[Opener]:
    """Open sources on the fake clocks; all are closed after the test."""
    opened: list[HubSpotSource] = []

    def make(connection: Connection) -> HubSpotSource:
        retry = RetryPolicy(sleep=retry_clock.sleep, clock=retry_clock.now)
        source = open_hubspot(
            connection, retry=retry, clock=Clock(pace_clock.now, pace_clock.sleep)
        )
        opened.append(source)
        return source

    yield make
    for source in opened:
        source.close()


@pytest.fixture
def source(hs: HubSpotSandboxHandle, open_source: Opener) -> HubSpotSource:
    """A private-app source on the sandbox."""
    return open_source(private_app(hs))
