"""Audit helpers for the core's services: plain JSON-safe change sets (dates as ISO text, exact decimals).

``order_core.audit`` serialises Decimal and datetime; ``date`` values (memberships, close dates,
away dates) are turned into ISO text here. Changes are computed on Python values, so a Decimal read
back as ``100.00000000`` from PostgreSQL still equals ``100.00``.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import insert
from sqlmodel import Session

from order_core.actors import Actor
from order_core.audit import AuditEntry, _jsonable, record_audit
from order_core.types import utcnow


def decimal_text(value: Decimal) -> str:
    """A Decimal as text with at least two and no needless trailing decimals (same on every backend)."""
    whole, _, frac = format(value, "f").partition(".")
    return f"{whole}.{frac.rstrip('0').ljust(2, '0')}"


def plain(value: Any) -> Any:
    """``value`` with dates as ISO text and Decimals as ``decimal_text``, recursively."""
    if isinstance(value, Decimal):
        return decimal_text(value)
    if isinstance(value, date) and not isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value


def audit(
    session: Session,
    actor: Actor,
    action: str,
    entity: str,
    entity_id: object,
    changes: dict[str, Any] | None = None,
    *,
    partner_id: int | None = None,
) -> AuditEntry:
    """``record_audit`` with dates made JSON-safe."""
    return record_audit(
        session, actor, action, entity, entity_id, plain(changes or {}), partner_id=partner_id
    )


AuditRow = tuple[str, str, object, dict[str, Any], int | None]


def audit_many(session: Session, actor: Actor, rows: list[AuditRow]) -> None:
    """Write many audit entries ``(action, entity, entity_id, changes, partner_id)`` in one INSERT.

    For bulk services (CSV import, CRM batches): no ORM object per entry.
    """
    if not rows:
        return
    now = utcnow()
    session.execute(
        insert(AuditEntry),
        [
            {
                "at": now,
                "actor": actor.user,
                "partner_id": partner_id,
                "action": action,
                "entity": entity,
                "entity_id": str(entity_id),
                "changes": json.dumps(_jsonable(plain(changes)), sort_keys=True),
            }
            for action, entity, entity_id, changes, partner_id in rows
        ],
    )
