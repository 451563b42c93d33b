"""The core's side of a reconcile: what the core holds for some CRM ids, and dropping dangling links.

A reconcile compares each CRM record with its link (the digest and stamp of what was applied) and
checks that the core row the link points at still exists; a link whose row is gone would make a
re-pull write nothing (equal digest), so the repair drops it first.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
from sqlmodel import Session, SQLModel

from order_core.actors import Actor, require_vendor
from order_core.bulk_sql import chunks, one_of
from order_core.customers.models import EndCustomer
from order_core.deals.models import Deal, DealLine
from order_core.partners.models import Buyer, Partner
from order_core.rowbatch import table_of
from order_core.sync.links import load_links
from order_core.sync.models import QuarantineEntry, SyncRecord
from order_core.tx import transactional

MODELS: dict[str, type[SQLModel]] = {
    "partner": Partner,
    "end_customer": EndCustomer,
    "buyer": Buyer,
    "deal": Deal,
    "deal_line": DealLine,
}


@dataclass(frozen=True, slots=True)
class CoreState:
    """A CRM record as the core holds it: the applied digest and stamp, and whether it is live
    (linked, not deleted, its core row still there)."""

    digest: str
    stamp: datetime
    deleted: bool
    row_exists: bool

    @property
    def live(self) -> bool:
        """The core holds the record as existing in the CRM, with its row."""
        return not self.deleted and self.row_exists


@dataclass(frozen=True)
class CoreSide:
    """What the core holds for a batch of CRM ids of one target."""

    states: dict[str, CoreState]
    quarantined: set[str]


def _existing_rows(session: Session, target: str, ids: Iterable[int]) -> set[int]:
    table = table_of(MODELS[target])
    found: set[int] = set()
    for chunk in chunks(sorted(set(ids))):
        stmt = select(table.c.id).where(one_of(session, table.c.id, chunk))
        found.update(int(i) for i in session.execute(stmt).scalars())
    return found


def _quarantined(session: Session, source: str, target: str, crm_ids: Iterable[str]) -> set[str]:
    q = table_of(QuarantineEntry).c
    found: set[str] = set()
    for chunk in chunks(sorted(set(crm_ids))):
        stmt = select(q.crm_id).where(
            q.source == source, q.target == target, one_of(session, q.crm_id, chunk)
        )
        found.update(session.execute(stmt).scalars())
    return found


@transactional
def core_side(
    source: str, target: str, crm_ids: Iterable[str], *, session: Session, actor: Actor
) -> CoreSide:
    """The links of these CRM ids (with their rows' existence) and which of them are quarantined."""
    require_vendor(actor, "sales_ops", action="reconcile CRM records")
    wanted = list(crm_ids)
    links = load_links(session, source, target, wanted)
    rows = _existing_rows(session, target, (k.core_id for k in links.values() if k.core_id))
    states = {
        crm_id: CoreState(k.digest, k.stamp, k.deleted, k.core_id in rows)
        for crm_id, k in links.items()
    }
    return CoreSide(states, _quarantined(session, source, target, wanted))


@transactional
def drop_dangling_links(
    source: str, target: str, crm_ids: Iterable[str], *, session: Session, actor: Actor
) -> int:
    """Delete the live links of these CRM ids whose core row no longer exists; returns how many.

    The next pull of those records then writes them again (a new row, or the row found by its CRM
    id) instead of skipping them for an equal digest.
    """
    require_vendor(actor, "sales_ops", action="repair CRM record links")
    links = load_links(session, source, target, crm_ids)
    rows = _existing_rows(session, target, (k.core_id for k in links.values() if k.core_id))
    dangling = sorted(i for i, k in links.items() if not k.deleted and k.core_id not in rows)
    c = table_of(SyncRecord).c
    for chunk in chunks(dangling):
        session.execute(
            delete(table_of(SyncRecord)).where(
                c.source == source, c.target == target, one_of(session, c.crm_id, chunk)
            )
        )
    return len(dangling)
