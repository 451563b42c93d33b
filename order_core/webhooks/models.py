"""The table of PRM webhook endpoints, one per partner (URL and HMAC signing secret)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Text
from sqlmodel import Field, SQLModel

from order_core.types import UtcDateTime, utcnow


class PartnerWebhook(SQLModel, table=True):
    """Where a partner's PRM receives its events, and the secret they are signed with.

    The secret is what the partner verifies signatures with, so it is stored as given (the sender
    needs it); it never leaves the core except to sign, never in audit entries, logs or errors.
    """

    __tablename__ = "partner_webhook"

    id: int | None = Field(default=None, primary_key=True)
    partner_id: int = Field(foreign_key="partner.id", unique=True)
    url: str = Field(sa_column=Column(Text, nullable=False))
    secret: str = Field(sa_column=Column(Text, nullable=False), repr=False)
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UtcDateTime(), nullable=False)
    )
    updated_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UtcDateTime(), nullable=False)
    )
