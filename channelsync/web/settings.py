"""Settings of the customer-facing web app (``CHANNELSYNC_WEB_*``, the HubSpot webhook secret)."""

from __future__ import annotations

from pydantic import Field, SecretStr, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from order_core.settings import InvalidSettings
from order_core.settings_check import explain_settings_failure


class WebSettings(BaseSettings):
    """What ``channelsync web`` reads besides the core settings (public base URL, link secret)."""

    model_config = SettingsConfigDict(
        env_prefix="CHANNELSYNC_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    web_link_failures: int = Field(
        default=20,
        ge=1,
        description="Links with an unknown or tampered token one client address may try per window",
    )
    web_link_failure_window_seconds: int = Field(
        default=600,
        ge=1,
        description="The window of web_link_failures; a client over the limit waits until it ends",
    )
    web_trusted_proxies: str = Field(
        default="",
        description=(
            "Comma-separated addresses of reverse proxies whose X-Forwarded-For names the client; "
            "empty: the connecting address is the client"
        ),
    )
    hubspot_webhook_secret: SecretStr | None = Field(
        default=None,
        description="The HubSpot app's client secret that signs webhooks (v3); unset: refused",
    )
    hubspot_webhook_connection: str = Field(
        default="hubspot",
        description="The HubSpot connection (connections file) whose deals a webhook asks to re-pull",
    )


def web_settings() -> WebSettings:
    """The web app's settings; invalid ones raise InvalidSettings naming the variable and the fix."""
    try:
        return WebSettings()
    except (ValidationError, ValueError, OSError) as exc:
        message = explain_settings_failure(WebSettings, exc)
        if message is None:
            raise
        raise InvalidSettings(message) from None
