"""CRM record links: what each CRM record of a connection became, read and written in bulk.

The links resolve references (a deal's partner is the core partner linked to the partner account's
CRM id) and detect change (an equal digest means nothing to write).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from sqlalchemy import Select, bindparam, select
from sqlmodel import Session

from order_core.bulk_sql import chunks, keys_in, keys_value
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


# Built once per dialect: building a statement costs more than running it for a page's keys,
# and a pull runs these in every transaction.
@lru_cache(maxsize=4)
def _links_of(dialect: str) -> Select[tuple[str, int | None, str, datetime, bool]]:
    c = _LINKS.c
    return select(c.crm_id, c.core_id, c.digest, c.crm_stamp, c.deleted).where(
        c.source == bindparam("source"), c.target == bindparam("target"), keys_in(dialect, c.crm_id)
    )


@lru_cache(maxsize=4)
def _core_ids_of(dialect: str) -> Select[tuple[str, int | None]]:
    # No condition on core_id here: the planner would scan the (target, core_id) index.
    c = _LINKS.c
    return select(c.crm_id, c.core_id).where(
        c.source == bindparam("source"), c.target == bindparam("target"), keys_in(dialect, c.crm_id)
    )


@lru_cache(maxsize=4)
def _partner_refs_of(dialect: str) -> Select[tuple[str, int]]:
    refs = table_of(PartnerCrmRef).c
    return select(refs.crm_id, refs.partner_id).where(
        refs.source == bindparam("source"), keys_in(dialect, refs.crm_id)
    )


@lru_cache(maxsize=4)
def _targets_of(dialect: str) -> Select[tuple[str, str]]:
    c = _LINKS.c
    return select(c.crm_id, c.target).where(
        c.source == bindparam("source"), keys_in(dialect, c.crm_id)
    )


def load_links(
    session: Session, source: str, target: str, crm_ids: Iterable[str]
) -> dict[str, Link]:
    """The stored links of these CRM ids (for one connection and target)."""
    found: dict[str, Link] = {}
    dialect = session.get_bind().dialect.name
    stmt = _links_of(dialect)
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
    for chunk in chunks(sorted(wanted)):  # only the ids: no stamp or digest to decode
        params = {"source": source, "target": target, "keys": keys_value(dialect, chunk)}
        rows = session.execute(_core_ids_of(dialect), params).all()
        resolved.update({crm_id: int(core) for crm_id, core in rows if core is not None})
    missing = wanted - resolved.keys()
    if target == "partner" and missing:
        for chunk in chunks(sorted(missing)):
            params = {"source": source, "keys": keys_value(dialect, chunk)}
            rows = session.execute(_partner_refs_of(dialect), params).all()
            resolved.update({crm_id: int(pid) for crm_id, pid in rows})
    return resolved


def linked_elsewhere(session: Session, source: str, crm_ids: Iterable[str]) -> dict[str, str]:
    """For CRM ids that are linked under some target: that target (to explain a wrong reference)."""
    found: dict[str, str] = {}
    dialect = session.get_bind().dialect.name
    for chunk in chunks(sorted(set(crm_ids))):
        params = {"source": source, "keys": keys_value(dialect, chunk)}
        found.update(dict(session.execute(_targets_of(dialect), params).all()))
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
