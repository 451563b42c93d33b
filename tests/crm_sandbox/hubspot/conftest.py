"""Fixtures: one seeded HubSpot sandbox per test module, a hubspot-api-client and an httpx client."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from hubspot import HubSpot

from crm_sandbox.hubspot import HubSpotSandboxHandle, RateLimitConfig, running_hubspot_sandbox

UNLIMITED = RateLimitConfig(enabled=False)


@pytest.fixture(scope="module")
def hubspot_sandbox() -> Iterator[HubSpotSandboxHandle]:
    """A sandbox (seed 7, 40 deals) shared by one test module; rate limits off unless a test sets them."""
    with running_hubspot_sandbox(seed=7, records=40, rate_limits=UNLIMITED) as handle:
        yield handle


@pytest.fixture
def hs(hubspot_sandbox: HubSpotSandboxHandle) -> Iterator[HubSpotSandboxHandle]:
    """The module's sandbox, with faults, batch failures and rate limits reset after each test."""
    yield hubspot_sandbox
    app = hubspot_sandbox.app
    app.faults.clear()
    app.portal.batch_failures.clear()
    app.limiter.configure(UNLIMITED)
    app.reset_rate_usage()


@pytest.fixture
def client(hs: HubSpotSandboxHandle) -> HubSpot:
    """hubspot-api-client pointed at the sandbox."""
    return HubSpot(access_token=hs.access_token, host=hs.base_url)


@pytest.fixture
def http(hs: HubSpotSandboxHandle) -> Iterator[httpx.Client]:
    """An httpx client with the sandbox's bearer token."""
    headers = {"Authorization": f"Bearer {hs.access_token}"}
    with httpx.Client(base_url=hs.base_url, headers=headers, timeout=10) as c:
        yield c
