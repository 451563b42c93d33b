"""Core settings from ``CHANNELSYNC_*`` environment variables and ``.env``."""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class CoreSettings(BaseSettings):
    """Settings of the order core: database, notifications, licenses, invoices, quote links."""

    model_config = SettingsConfigDict(
        env_prefix="CHANNELSYNC_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    database_url: str = Field(
        default="sqlite:///channelsync.db",
        description="SQLAlchemy URL; e.g. postgresql+psycopg://user@host:5432/channelsync",
    )
    sql_echo: bool = False
    db_pool_size: int = Field(
        default=3,
        ge=1,
        description="PostgreSQL connections each process keeps; sessions beyond it wait their turn",
    )
    db_max_overflow: int = Field(
        default=0, ge=0, description="PostgreSQL connections a process may open beyond the pool"
    )
    db_pool_timeout: float = Field(
        default=30.0, gt=0, description="Seconds a session waits for a pooled connection"
    )
    db_pre_ping: bool = Field(
        default=False,
        description="Test each pooled connection before use (costs a round trip per transaction)",
    )
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 25
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_starttls: bool = False
    mail_from: str = "channelsync@localhost"
    license_signing_key: SecretStr = SecretStr("change-me-license-signing-key")
    quote_link_secret: SecretStr = SecretStr("change-me-quote-link-secret")
    public_base_url: str = "http://127.0.0.1:8080"
    tax_rates: dict[str, Decimal] = Field(
        default_factory=lambda: {"US": Decimal("0"), "GB": Decimal("0.20"), "DE": Decimal("0.19")},
        description="Tax rate per country or country-region (e.g. US-CA); JSON in the env var",
    )
    invoice_payment_terms_days: int = 30


@lru_cache(maxsize=1)
def get_settings() -> CoreSettings:
    """The process-wide settings (read once)."""
    return CoreSettings()
