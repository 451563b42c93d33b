"""The connector's settings: which connections file to use, and where the local sandboxes live."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class ConnectorSettings(BaseSettings):
    """``CHANNELSYNC_*`` settings of the connector (environment or ``.env``)."""

    model_config = SettingsConfigDict(
        env_prefix="CHANNELSYNC_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    connections_file: Path | None = Field(
        default=None,
        description="YAML file naming the CRM connections; unset: the two local sandboxes.",
    )
    sandbox_dir: Path = Field(
        default=Path.home() / ".cache" / "channelsync",
        description="Where `channelsync sandbox serve` writes its CA bundle for the default connections.",
    )
    prm_webhook_timeout_seconds: float = Field(
        default=10.0,
        gt=0,
        description="How long one PRM webhook request may take (connect, send, answer) before it is retried later.",
    )
