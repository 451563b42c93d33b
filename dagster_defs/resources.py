"""Dagster resources: the core database, each CRM connection, PRM webhook delivery, the SMTP server.

Secrets never sit in a resource's config: a CRM connection's come from the environment variables
its connections file names, the SMTP password from ``CHANNELSYNC_SMTP_PASSWORD`` (an ``EnvVar``).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
from pydantic import SecretStr
from sqlalchemy.engine import Engine

from connector.connections import Connection, load_connections
from connector.sync.run import SetupError, configured
from order_core.db import make_engine
from order_core.settings import CoreSettings, get_settings


class CoreDatabase(dg.ConfigurableResource):  # type: ignore[type-arg]
    """The order core's database URL (SQLite file or PostgreSQL)."""

    url: str = ""

    def resolved_url(self) -> str:
        """The configured URL, else the CHANNELSYNC_DATABASE_URL setting."""
        return self.url or get_settings().database_url

    @contextmanager
    def engine(self) -> Iterator[Engine]:
        """An engine for one step, disposed after it."""
        engine = make_engine(self.resolved_url())
        try:
            yield engine
        finally:
            engine.dispose()


class CrmConnection(dg.ConfigurableResource):  # type: ignore[type-arg]
    """One CRM connection, by its name in the connections file."""

    name: str
    connections_file: str = ""  # default: CHANNELSYNC_CONNECTIONS_FILE, else the local sandboxes

    def connections(self) -> dict[str, Connection]:
        """The connections file read now (secrets from the environment variables it names)."""
        if not self.connections_file:
            return configured()
        try:
            return load_connections(Path(self.connections_file))
        except ValueError as exc:
            raise SetupError(str(exc)) from None


class PrmWebhooks(dg.ConfigurableResource):  # type: ignore[type-arg]
    """Delivery of ``prm.webhook`` events (each partner's URL and signing secret are in the core)."""

    timeout_seconds: float | None = None  # default: CHANNELSYNC_PRM_WEBHOOK_TIMEOUT_SECONDS
    max_events: int = 1000


class SmtpServer(dg.ConfigurableResource):  # type: ignore[type-arg]
    """The SMTP server the admins are mailed through; unset fields come from CHANNELSYNC_SMTP_*."""

    host: str | None = None
    port: int | None = None
    username: str | None = None
    password: str | None = None

    def settings(self) -> CoreSettings:
        """The core settings with this server's fields in place of the environment's."""
        base = get_settings()
        fields = {"host": self.host, "port": self.port, "username": self.username}
        update: dict[str, object] = {f"smtp_{k}": v for k, v in fields.items() if v is not None}
        if self.password:
            update["smtp_password"] = SecretStr(self.password)
        return base.model_copy(update=update)
