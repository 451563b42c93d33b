"""Helpers to run the HubSpot sandbox in-process: for the CLI, the tests and the benchmarks."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from crm_sandbox.common.server import start_in_thread
from crm_sandbox.hubspot.app import HubSpotSandboxApp, create_app
from crm_sandbox.hubspot.ratelimit import RateLimitConfig


@dataclass(frozen=True)
class HubSpotSandboxHandle:
    """A running sandbox: point ``HubSpot(access_token=..., host=base_url)`` at it."""

    base_url: str
    access_token: str
    app: HubSpotSandboxApp


def build_hubspot_sandbox(
    *,
    seed: int,
    records: int,
    rate_limits: RateLimitConfig | None = None,
    access_token: str | None = None,
) -> tuple[HubSpotSandboxApp, str]:
    """A seeded sandbox app and the access token it accepts (HubSpot's real limits by default;
    a random token unless one is given)."""
    app = create_app(seed=seed, records=records, rate_limits=rate_limits, access_token=access_token)
    return app, app.access_token


@contextmanager
def running_hubspot_sandbox(
    *, seed: int = 1, records: int = 50, rate_limits: RateLimitConfig | None = None
) -> Iterator[HubSpotSandboxHandle]:
    """Serve a seeded sandbox on a free 127.0.0.1 port for the duration of the ``with`` block."""
    app, token = build_hubspot_sandbox(seed=seed, records=records, rate_limits=rate_limits)
    running = start_in_thread(app)
    try:
        yield HubSpotSandboxHandle(running.base_url, token, app)
    finally:
        running.stop()
