"""The outbox table: events written with the change that causes them, leased by drainers to deliver."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import Column, Index, Text
from sqlmodel import Field, SQLModel

from order_core.types import UtcDateTime, utcnow

#: Waiting for delivery (possibly leased by a drainer right now, or backing off after a failure).
PENDING = "pending"
#: Delivered; ``delivered_at`` says when.
DELIVERED = "delivered"
#: A dead letter: failed for good or too often; ``last_error`` says why. Re-queued from the CLI.
DEAD = "dead"
#: Nothing to deliver it to (e.g. a partner without a webhook endpoint); ``last_error`` says why.
SKIPPED = "skipped"


class OutboxEvent(SQLModel, table=True):
    """One event to deliver: ``status`` is pending, delivered, dead (a dead letter) or skipped.

    A drainer leases due pending events (``leased_by`` names the lease, ``leased_until`` is when it
    lapses and another drainer may take them), delivers them with no transaction open and records
    the outcome only if the lease is still its own.
    """

    __tablename__ = "outbox_event"
    # Leasing asks, per candidate, whether its aggregate has an older pending event of the topic:
    # one lookup on this index, instead of a walk over the topic's delivered history.
    __table_args__ = (
        Index("ix_outbox_event_aggregate", "topic", "aggregate", "aggregate_id", "status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    topic: str = Field(max_length=60, index=True)
    aggregate: str = Field(max_length=40)
    aggregate_id: str = Field(max_length=80, index=True)
    partner_id: int | None = Field(default=None, index=True)
    payload: str = Field(sa_column=Column(Text, nullable=False))
    status: str = Field(default=PENDING, max_length=12, index=True)
    attempts: int = 0
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UtcDateTime(), nullable=False)
    )
    next_attempt_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UtcDateTime(), nullable=False, index=True)
    )
    delivered_at: datetime | None = Field(
        default=None, sa_column=Column(UtcDateTime(), nullable=True)
    )
    last_error: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    leased_until: datetime | None = Field(
        default=None, sa_column=Column(UtcDateTime(), nullable=True)
    )
    leased_by: str | None = Field(default=None, max_length=80)

    def data(self) -> dict[str, Any]:
        """The payload decoded."""
        value = json.loads(self.payload)
        assert isinstance(value, dict)
        return value
