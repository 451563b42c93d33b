"""CRM record links: what each CRM record of a connection became, read and written in bulk.

The links resolve references (a deal's partner is the core partner linked to the partner account's
CRM id) and detect change (an equal digest means nothing to write).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlmodel import Session

from order_core.bulk_sql import chunks, keyed_select, keys_value
from order_core.partners.models import PartnerCrmRef
from order_core.rowbatch import table_of, upsert_rows
from order_core.sync.models import SyncRecord

_LINKS = table_of(SyncRecord)


@dataclass(frozen=True, slots=True)
class Link:
    """A stored link: the core id, the digest and stamp of what was applied, and the deletion flag."""

    core_id: int | None
    digest: str
    stamp: datetime
    deleted: bool


def load_links(
    session: Session, source: str, target: str, crm_ids: Iterable[str]
) -> dict[str, Link]:
    """The stored links of these CRM ids (for one connection and target)."""
    found: dict[str, Link] = {}
    dialect = session.get_bind().dialect.name
    columns = ("crm_id", "core_id", "digest", "crm_stamp", "deleted")
    stmt = keyed_select(dialect, _LINKS, "crm_id", columns, ("source", "target"))
    for chunk in chunks(sorted(set(crm_ids))):
        params = {"source": source, "target": target, "keys": keys_value(dialect, chunk)}
        for crm_id, core_id, digest, stamp, deleted in session.execute(stmt, params).all():
            found[crm_id] = Link(core_id, digest, stamp, deleted)
    return found


def resolve(session: Session, source: str, target: str, crm_ids: Iterable[str]) -> dict[str, int]:
    """Core ids of the ``target`` records these CRM ids are linked to (partners also by CRM ref)."""
    wanted = set(crm_ids)
    resolved: dict[str, int] = {}
    dialect = session.get_bind().dialect.name
    # Only the ids: no stamp or digest to decode. No condition on core_id: the planner would
    # then scan the (target, core_id) index.
    stmt = keyed_select(dialect, _LINKS, "crm_id", ("crm_id", "core_id"), ("source", "target"))
    for chunk in chunks(sorted(wanted)):
        params = {"source": source, "target": target, "keys": keys_value(dialect, chunk)}
        rows = session.execute(stmt, params).all()
        resolved.update({crm_id: int(core) for crm_id, core in rows if core is not None})
    missing = wanted - resolved.keys()
    if target == "partner" and missing:
        refs = table_of(PartnerCrmRef)
        by_ref = keyed_select(dialect, refs, "crm_id", ("crm_id", "partner_id"), ("source",))
        for chunk in chunks(sorted(missing)):
            params = {"source": source, "keys": keys_value(dialect, chunk)}
            rows = session.execute(by_ref, params).all()
            resolved.update({crm_id: int(pid) for crm_id, pid in rows})
    return resolved


def linked_elsewhere(session: Session, source: str, crm_ids: Iterable[str]) -> dict[str, str]:
    """For CRM ids that are linked under some target: that target (to explain a wrong reference)."""
    found: dict[str, str] = {}
    dialect = session.get_bind().dialect.name
    stmt = keyed_select(dialect, _LINKS, "crm_id", ("crm_id", "target"), ("source",))
    for chunk in chunks(sorted(set(crm_ids))):
        params = {"source": source, "keys": keys_value(dialect, chunk)}
        found.update(dict(session.execute(stmt, params).all()))
    return found


def save_links(session: Session, rows: Sequence[dict[str, object]]) -> None:
    """Insert or update links (``source, target, crm_id`` identify one) in one statement."""
    upsert_rows(
        session,
        _LINKS,
        rows,
        ("source", "target", "crm_id"),
        ("crm_object", "core_id", "digest", "crm_stamp", "deleted", "updated_at"),
    )


def iter_linked_ids(
    session: Session, source: str, target: str, *, deleted: bool, chunk: int = 1000
) -> Iterator[list[str]]:
    """CRM ids linked under ``target`` (deleted in the CRM or not), in chunks, each read in its own
    short transaction (keyset by CRM id), so nothing holds a lock between chunks."""
    c = _LINKS.c
    after = ""
    while True:
        stmt = (
            select(c.crm_id)
            .where(c.source == source, c.target == target, c.deleted.is_(deleted), c.crm_id > after)
            .order_by(c.crm_id)
            .limit(chunk)
        )
        ids = list(session.execute(stmt).scalars())
        session.commit()
        if not ids:
            return
        yield ids
        after = ids[-1]
