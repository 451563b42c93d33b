"""The audit log: who changed what and when, written by every state-changing service call."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import orjson
from sqlalchemy import Column, Text
from sqlmodel import Field, Session, SQLModel, col, select

from order_core.actors import Actor
from order_core.rowbatch import insert_rows
from order_core.types import UtcDateTime, utcnow

_ORJSON = orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS


class AuditEntry(SQLModel, table=True):
    """One state change: actor, action, entity and the changed fields (old -> new)."""

    __tablename__ = "audit_entry"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UtcDateTime(), nullable=False, index=True)
    )
    actor: str = Field(max_length=200)
    partner_id: int | None = Field(default=None, index=True)
    action: str = Field(max_length=80)
    entity: str = Field(max_length=60)
    entity_id: str = Field(max_length=80, index=True)
    changes: str = Field(default="{}", sa_column=Column(Text, nullable=False))


def _json_default(value: Any) -> Any:
    # What the json module does not know: Decimals as exact text, dates as ISO text, sets as lists.
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date):  # datetime is a date too
        return value.isoformat()
    if isinstance(value, set | frozenset):
        return list(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def json_text(value: Any) -> str:
    """``value`` as JSON with sorted keys: Decimals as exact text, dates and datetimes as ISO text."""
    return _dumps(value, _json_default)


def _dumps(value: Any, default: Callable[[Any], Any]) -> str:
    # orjson: a third of the json module's time for a pulled deal's audit entry (4 against 15 us),
    # the same JSON but without spaces. It refuses integers beyond 64 bits and lone surrogates;
    # the json module writes those.
    try:
        return orjson.dumps(value, default=default, option=_ORJSON).decode()
    except orjson.JSONEncodeError:
        return json.dumps(value, sort_keys=True, default=default)


def decimal_text(value: Decimal) -> str:
    """A Decimal as text with at least two and no needless trailing decimals (same on every backend:
    PostgreSQL reads ``100.00`` back as ``100.00000000``)."""
    whole, _, frac = format(value, "f").partition(".")
    return f"{whole}.{frac.rstrip('0').ljust(2, '0')}"


def _change_default(value: Any) -> Any:
    # Decimals as exact text with at least two decimals (the same on both backends).
    if isinstance(value, Decimal):
        return decimal_text(value)
    return _json_default(value)


def _changes_json(changes: dict[str, Any] | None) -> str:
    return _dumps(changes or {}, _change_default)


def record_audit(
    session: Session,
    actor: Actor,
    action: str,
    entity: str,
    entity_id: object,
    changes: dict[str, Any] | None = None,
    *,
    partner_id: int | None = None,
) -> AuditEntry:
    """Add an audit entry to the current transaction (never commits by itself)."""
    entry = AuditEntry(
        actor=actor.user,
        partner_id=partner_id,
        action=action,
        entity=entity,
        entity_id=str(entity_id),
        changes=_changes_json(changes),
    )
    session.add(entry)
    return entry


AuditRow = tuple[str, str, object, dict[str, Any], int | None]


def record_audits(session: Session, actor: Actor, rows: list[AuditRow]) -> None:
    """Write many entries ``(action, entity, entity_id, changes, partner_id)`` in one INSERT.

    For bulk services (CSV import, CRM batches): no ORM object per entry.
    """
    if rows:  # a row batch: the ORM's bulk path costs several times more per row
        table = AuditEntry.__table__  # type: ignore[attr-defined]
        insert_rows(session, [(table, audit_rows(actor, rows))])


def audit_rows(actor: Actor, rows: list[AuditRow]) -> list[dict[str, Any]]:
    """Table rows of audit entries ``(action, entity, entity_id, changes, partner_id)`` by ``actor``."""
    now = utcnow()
    return [
        {
            "at": now,
            "actor": actor.user,
            "partner_id": partner_id,
            "action": action,
            "entity": entity,
            "entity_id": str(entity_id),
            "changes": _changes_json(changes),
        }
        for action, entity, entity_id, changes, partner_id in rows
    ]


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """Fields whose value changed, as ``{field: [old, new]}`` (for ``record_audit``)."""
    return {k: [before.get(k), v] for k, v in after.items() if before.get(k) != v}


def audit_trail(session: Session, entity: str, entity_id: object) -> list[AuditEntry]:
    """Every audit entry of one record, oldest first."""
    stmt = (
        select(AuditEntry)
        .where(AuditEntry.entity == entity, AuditEntry.entity_id == str(entity_id))
        .order_by(col(AuditEntry.id))
    )
    return list(session.exec(stmt))
