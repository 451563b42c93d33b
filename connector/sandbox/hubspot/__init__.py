"""HubSpot-compatible sandbox: a local CRM v3 / associations v4 server for tests, benches and demos."""

from connector.sandbox.hubspot.app import HubSpotSandboxApp, create_app
from connector.sandbox.hubspot.ratelimit import RateLimitConfig
from connector.sandbox.hubspot.testing import (
    HubSpotSandboxHandle,
    build_hubspot_sandbox,
    running_hubspot_sandbox,
)

__all__ = [
    "HubSpotSandboxApp",
    "HubSpotSandboxHandle",
    "RateLimitConfig",
    "build_hubspot_sandbox",
    "create_app",
    "running_hubspot_sandbox",
]
