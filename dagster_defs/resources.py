"""Dagster resources: the core database, configured from CHANNELSYNC_DATABASE_URL by default."""

from __future__ import annotations

import dagster as dg

from order_core.settings import get_settings


class CoreDatabase(dg.ConfigurableResource):  # type: ignore[type-arg]
    """The order core's database URL (SQLite file or PostgreSQL)."""

    url: str = ""

    def resolved_url(self) -> str:
        """The configured URL, else the CHANNELSYNC_DATABASE_URL setting."""
        return self.url or get_settings().database_url
