"""The orchestration's settings: schedules (cron and time zone), check thresholds, admin e-mails."""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class DagsterSettings(BaseSettings):
    """``CHANNELSYNC_DAGSTER_*`` settings (environment or ``.env``)."""

    model_config = SettingsConfigDict(
        env_prefix="CHANNELSYNC_DAGSTER_",
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
    )

    timezone: str = Field(default="UTC", description="Time zone the schedules' cron runs in")
    sync_cron: str = Field(default="*/15 * * * *", description="When the sync job runs")
    expiry_cron: str = Field(default="0 * * * *", description="When quotes and approvals expire")
    quarantine_threshold: int = Field(
        default=50,
        ge=0,
        description="The quarantine check fails above this many records per object",
    )
    cursor_max_age_minutes: int = Field(
        default=60,
        ge=1,
        description="The freshness check fails when no pull succeeded for this long",
    )
    outbox_max_lag_minutes: int = Field(
        default=30, ge=1, description="The outbox lag check fails when an event waits this long"
    )
    admin_emails: str = Field(
        default="", description="Comma-separated addresses mailed on a failed run, with the admins"
    )

    home: Path | None = Field(
        default=None,
        description="DAGSTER_HOME of `channelsync ui` (unset: $DAGSTER_HOME, else ~/.cache/channelsync/dagster)",
    )

    def dagster_home(self) -> Path:
        """The local Dagster instance's folder (runs, schedules, sensor cursors)."""
        if self.home is not None:
            return self.home.expanduser()
        if os.environ.get("DAGSTER_HOME"):
            return Path(os.environ["DAGSTER_HOME"]).expanduser()
        return Path.home() / ".cache" / "channelsync" / "dagster"

    def admin_addresses(self) -> list[str]:
        """``admin_emails`` as a list."""
        return [a.strip() for a in self.admin_emails.split(",") if a.strip()]
