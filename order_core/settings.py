"""Core settings from ``CHANNELSYNC_*`` environment variables and ``.env``."""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache
from typing import Self
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from order_core.errors import DomainError
from order_core.settings_check import explain_settings_failure

#: The (backend, driver) pairs channelsync runs on: the drivers it installs.
SUPPORTED_DATABASES = {("sqlite", "pysqlite"), ("postgresql", "psycopg")}
_URL_FIX = (
    "use sqlite:///channelsync.db (a file) or postgresql+psycopg://user@host:5432/channelsync, "
    "or unset it for the default SQLite file"
)


class InvalidSettings(DomainError):
    """A CHANNELSYNC_* setting (environment or .env) is invalid; names the variable and the fix."""


class CoreSettings(BaseSettings):
    """Settings of the order core: database, mail, licenses, invoices, quote links, rules files."""

    model_config = SettingsConfigDict(
        env_prefix="CHANNELSYNC_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    database_url: str = Field(
        default="sqlite:///channelsync.db",
        description="SQLAlchemy URL; e.g. postgresql+psycopg://user@host:5432/channelsync",
    )
    sql_echo: bool = Field(
        default=False,
        description="Log every SQL statement of every engine make_engine builds (debugging only)",
    )
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
    smtp_port: int = Field(default=25, ge=1, le=65535)
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_starttls: bool = False
    smtp_ssl: bool = Field(
        default=False,
        description="Implicit TLS: SMTP over TLS from the first byte (usually port 465)",
    )
    smtp_ca_file: str | None = Field(
        default=None,
        description=(
            "PEM CA bundle trusted for the SMTP server certificate instead of the system store "
            "(e.g. a private mail relay); the certificate and host name are always verified"
        ),
    )
    mail_from: str = "channelsync@localhost"
    outbox_lease_seconds: int = Field(
        default=300,
        ge=1,
        description=(
            "How long a drainer holds the outbox events it leased; after that another drainer "
            "may take them (a crashed drainer's events are delivered again)"
        ),
    )
    outbox_max_attempts: int = Field(
        default=8, ge=1, description="Delivery attempts before an outbox event is a dead letter"
    )
    outbox_retry_base_seconds: float = Field(
        default=30.0,
        gt=0,
        description="Wait after the first failed delivery; doubled after each further failure",
    )
    outbox_retry_max_seconds: float = Field(
        default=3600.0, gt=0, description="The longest wait between two delivery attempts"
    )
    license_signing_key: SecretStr = SecretStr("change-me-license-signing-key")
    quote_link_secret: SecretStr = SecretStr("change-me-quote-link-secret")
    public_base_url: str = "http://127.0.0.1:8080"
    quote_document_secret: SecretStr | None = Field(
        default=None,
        description=(
            "Signs the read-only quote document links the CRM push writes on deals for sales ops "
            "(at least 32 characters); unset, or CHANNELSYNC_PUBLIC_BASE_URL unset: no link"
        ),
    )
    tax_rates: dict[str, Decimal] = Field(
        default_factory=lambda: {"US": Decimal("0"), "GB": Decimal("0.20"), "DE": Decimal("0.19")},
        description="Tax rate per country or country-region (e.g. US-CA); JSON in the env var",
    )
    invoice_payment_terms_days: int = Field(
        default=30,
        ge=0,
        description="Days to pay a vendor invoice; also a reseller's terms when it sets none",
    )
    vendor_name: str = Field(
        default="channelsync vendor", description="The vendor as its invoices name it (issuer)"
    )
    vendor_address: str = Field(
        default="",
        description="The vendor's postal address on its invoices; lines separated by ';'",
    )
    vendor_tax_id: str | None = Field(
        default=None, description="The vendor's tax id (VAT number, EIN) printed on its invoices"
    )
    invoice_payment_instructions: str = Field(
        default="",
        description="How to pay a vendor invoice (bank, IBAN, reference); lines separated by ';'",
    )
    renewal_notice_days: list[int] = Field(
        default_factory=lambda: [90, 60, 30],
        description=(
            "Days before a subscription's end at which the renewal notices go out (JSON list); "
            "the first window also prices the renewal quote"
        ),
    )
    pricing_rules_file: str | None = Field(
        default=None,
        description=(
            "Pricing rules file (YAML, see examples/pricing_rules.yaml) applied to quotes and "
            "orders when the caller passes none; re-read when its modification time changes"
        ),
    )
    approval_rules_file: str | None = Field(
        default=None,
        description=(
            "Approval rules file (YAML, see examples/approval_rules.yaml) deciding the approvals "
            "quotes and orders need when the caller passes no policy; unset: the built-in "
            "policy; re-read when the file changes"
        ),
    )

    @field_validator("database_url")
    @classmethod
    def _supported_database(cls, value: str) -> str:
        # The message never repeats the URL: it may hold a password.
        if not value.strip():
            raise ValueError(f"is empty; {_URL_FIX}")
        try:
            url = make_url(value.strip())
            kind = (url.get_backend_name(), url.get_driver_name())
        except (ArgumentError, ValueError):  # ArgumentError covers dialects SQLAlchemy lacks
            raise ValueError(f"is not a database URL channelsync can use; {_URL_FIX}") from None
        if kind not in SUPPORTED_DATABASES:
            raise ValueError(
                f"names {kind[0]}+{kind[1]}, which channelsync does not support "
                f"(SQLite and PostgreSQL through psycopg only); {_URL_FIX}"
            )
        return value.strip()

    @field_validator("public_base_url")
    @classmethod
    def _web_address(cls, value: str) -> str:
        parts = urlsplit(value.strip())
        if parts.scheme not in ("http", "https") or not parts.hostname or parts.query:
            raise ValueError(
                f"{value!r} is not the web address customers open channelsync at; give http(s), "
                "the host and an optional port and path, e.g. https://channel.example.com"
            )
        return value.strip()

    @field_validator("quote_document_secret")
    @classmethod
    def _long_secret(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value()) < 32:
            raise ValueError(
                "is shorter than 32 characters; use a long random value, e.g. the output of "
                "python -c 'import secrets; print(secrets.token_urlsafe(32))', or unset it"
            )
        return value

    @field_validator("renewal_notice_days")
    @classmethod
    def _notice_days(cls, value: list[int]) -> list[int]:
        if not value or any(d < 1 for d in value):
            raise ValueError("must list one or more whole days above 0, e.g. [90, 60, 30]")
        return sorted(set(value), reverse=True)

    @model_validator(mode="after")
    def _one_smtp_tls_mode(self) -> Self:
        if self.smtp_starttls and self.smtp_ssl:
            raise ValueError(
                "smtp_starttls and smtp_ssl (CHANNELSYNC_SMTP_STARTTLS, CHANNELSYNC_SMTP_SSL) "
                "cannot both be enabled: choose smtp_ssl for implicit TLS (usually port 465) "
                "or smtp_starttls for a STARTTLS upgrade (usually port 587)"
            )
        return self


@lru_cache(maxsize=1)
def get_settings() -> CoreSettings:
    """The process-wide settings (read once); invalid ones raise :class:`InvalidSettings`.

    The message names each CHANNELSYNC_* variable at fault, what is wrong and the fix, and never
    repeats the value of a secret or of the database URL.
    """
    try:
        return CoreSettings()
    except (ValidationError, ValueError, OSError) as exc:
        message = explain_settings_failure(CoreSettings, exc)
        if message is None:
            raise
        raise InvalidSettings(message) from None
