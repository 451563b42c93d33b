"""Sync bookkeeping tables: cursors, what each CRM record became, the quarantine, and run reports."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from order_core.types import UtcDateTime, utcnow


class SyncCursor(SQLModel, table=True):
    """How far a connection has read one CRM object: every change up to (stamp, last_id) is applied."""

    __tablename__ = "sync_cursor"
    __table_args__ = (UniqueConstraint("source", "crm_object"),)

    id: int | None = Field(default=None, primary_key=True)
    source: str = Field(max_length=30)
    crm_object: str = Field(max_length=80)
    stamp: datetime | None = Field(default=None, sa_column=Column(UtcDateTime(), nullable=True))
    last_id: str = Field(default="", max_length=64)
    # When every record of the object was last re-read (association changes bump no stamp).
    full_refresh_at: datetime | None = Field(
        default=None, sa_column=Column(UtcDateTime(), nullable=True)
    )
    updated_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UtcDateTime(), nullable=False)
    )


class SyncRecord(SQLModel, table=True):
    """One CRM record of one connection and the core record it feeds, with a digest of its values.

    The identity link (a customer known to two connections has two of these) and the change
    detector: a record whose mapped values hash to the stored digest writes nothing.
    """

    __tablename__ = "sync_record"
    __table_args__ = (
        UniqueConstraint("source", "target", "crm_id"),
        Index("ix_sync_record_core", "target", "core_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    source: str = Field(max_length=30)
    target: str = Field(max_length=20)
    crm_id: str = Field(max_length=64)
    crm_object: str = Field(max_length=80)
    core_id: int | None = None
    digest: str = Field(max_length=32)
    crm_stamp: datetime = Field(sa_column=Column(UtcDateTime(), nullable=False))
    deleted: bool = False
    updated_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UtcDateTime(), nullable=False)
    )


class QuarantineEntry(SQLModel, table=True):
    """A CRM record that could not be applied: its raw payload, the reason and the mapping version.

    ``waiting_target`` / ``waiting_crm_id`` name the parent it waits for when the reason is only
    that the parent has not arrived; it is retried automatically once the parent is there.
    """

    __tablename__ = "sync_quarantine"
    __table_args__ = (
        UniqueConstraint("source", "target", "crm_id"),
        Index("ix_sync_quarantine_waiting", "source", "waiting_target", "waiting_crm_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    source: str = Field(max_length=30)
    crm_object: str = Field(max_length=80)
    target: str = Field(max_length=20)
    crm_id: str = Field(max_length=64)
    crm_stamp: datetime = Field(sa_column=Column(UtcDateTime(), nullable=False))
    reason: str = Field(sa_column=Column(Text, nullable=False))
    payload: str = Field(sa_column=Column(Text, nullable=False))
    mapping_version: int
    waiting_target: str | None = Field(default=None, max_length=20)
    waiting_crm_id: str | None = Field(default=None, max_length=64)
    attempts: int = 1
    first_seen_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UtcDateTime(), nullable=False)
    )
    last_tried_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UtcDateTime(), nullable=False)
    )


class SyncRun(SQLModel, table=True):
    """One pull of one connection: when, how it ended, and its report (JSON)."""

    __tablename__ = "sync_run"

    id: int | None = Field(default=None, primary_key=True)
    source: str = Field(max_length=30, index=True)
    started_at: datetime = Field(sa_column=Column(UtcDateTime(), nullable=False))
    finished_at: datetime | None = Field(
        default=None, sa_column=Column(UtcDateTime(), nullable=True)
    )
    # running | ok | stopped (API budget; resumes next run) | failed | interrupted (process died)
    status: str = Field(default="running", max_length=20)
    report: str = Field(default="{}", sa_column=Column(Text, nullable=False))
