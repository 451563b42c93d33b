"""HubSpot-compatible sandbox: a local CRM v3 / associations v4 server for tests, benches and demos."""

from crm_sandbox.hubspot.app import HubSpotSandboxApp, create_app
from crm_sandbox.hubspot.ratelimit import RateLimitConfig
from crm_sandbox.hubspot.testing import (
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
