"""Applying one page of pulled CRM records: one transaction with the rows, the links and the cursor.

For each target in parent-first order: records whose digest equals the stored one write nothing;
references resolve to core ids (a record whose parent has not arrived waits in the quarantine);
the target's writer creates, updates or deletes set-based. A record the database still refuses is
isolated by halving the batch inside savepoints, so one bad record never blocks its page.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.exc import DBAPIError
from sqlmodel import Session

from order_core.actors import Actor, require_vendor
from order_core.bulk_sql import refresh_statistics
from order_core.sync.cursors import save_cursor
from order_core.sync.links import linked_elsewhere, load_links, resolve, save_links
from order_core.sync.quarantine import Held, hold, release
from order_core.sync.records import TARGETS, CrmRecord, CrmReject, PageResult, SyncPage
from order_core.sync.write_customers import write_customers
from order_core.sync.write_deals import write_deal_lines, write_deals
from order_core.sync.write_partners import write_buyers, write_partners
from order_core.sync.writing import Item, WriteContext, Writer, Written
from order_core.tx import transactional
from order_core.types import utcnow

WRITERS: dict[str, Writer] = {
    "partner": write_partners,
    "end_customer": write_customers,
    "buyer": write_buyers,
    "deal": write_deals,
    "deal_line": write_deal_lines,
}
TABLES = {
    "partner": "partner",
    "end_customer": "end_customer",
    "buyer": "buyer",
    "deal": "deal",
    "deal_line": "deal_line",
}


def _latest(records: Sequence[CrmRecord]) -> list[CrmRecord]:
    """One record per CRM id: the latest version when a page carries one twice."""
    best: dict[str, CrmRecord] = {}
    for rec in records:
        seen = best.get(rec.crm_id)
        if seen is None or rec.stamp >= seen.stamp:
            best[rec.crm_id] = rec
    return list(best.values())


def _resolve_refs(
    session: Session, source: str, items: list[Item]
) -> tuple[list[Item], list[tuple[Item, str, tuple[str, str] | None]]]:
    """Replace each reference's CRM id by the core id; items missing a parent are held back."""
    wanted: dict[str, set[str]] = {}
    for item in items:
        for ref, crm_id in item.record.refs.items():
            if crm_id is not None:
                wanted.setdefault(ref, set()).add(crm_id)
    found = {ref: resolve(session, source, ref, ids) for ref, ids in wanted.items()}
    missing = {i for ref, ids in wanted.items() for i in ids - found[ref].keys()}
    elsewhere = linked_elsewhere(session, source, missing) if missing else {}
    ready: list[Item] = []
    held: list[tuple[Item, str, tuple[str, str] | None]] = []
    for item in items:
        problem: tuple[str, tuple[str, str] | None] | None = None
        for ref, crm_id in item.record.refs.items():
            column = f"{ref}_id"
            if crm_id is None:
                item.values[column] = None
            elif crm_id in found[ref]:
                item.values[column] = found[ref][crm_id]
            elif crm_id in elsewhere and elsewhere[crm_id] != ref:
                problem = (
                    f"{ref}: {crm_id} is synced as {elsewhere[crm_id]}, not as {ref}; fix the CRM record or the mapping",
                    None,
                )
            else:
                problem = (
                    f"{ref}: waiting for {ref} {crm_id}, which has not arrived yet",
                    (ref, crm_id),
                )
        if problem is None:
            ready.append(item)
        else:
            held.append((item, *problem))
    return ready, held


class _Refused(Exception):
    """A writer's statement the database refused, in a transaction written without savepoints."""


def _write_isolating(ctx: WriteContext, target: str, items: list[Item]) -> list[Written]:
    """Write a batch; if the database refuses it, halve it until the refused record is alone.

    Without ``ctx.isolate`` the batch is written as it is, outside any savepoint, and a refusal
    raises ``_Refused``: the transaction is then rolled back and written again with isolation.
    """
    if not items:
        return []
    if not ctx.isolate:
        try:
            return WRITERS[target](ctx, items)
        except DBAPIError as exc:
            raise _Refused(target) from exc
    queued = len(ctx.audits)
    values = [dict(i.values) for i in items]
    try:
        with ctx.session.begin_nested():
            return WRITERS[target](ctx, items)
    except DBAPIError as exc:
        del ctx.audits[queued:]
        for item, original in zip(items, values, strict=True):
            item.values = original
        if len(items) == 1:
            first = (
                str(exc.orig).strip().splitlines()[0]
                if exc.orig is not None
                else type(exc).__name__
            )
            return [Written("quarantined", None, f"the database refused it: {first}")]
        mid = len(items) // 2
        return _write_isolating(ctx, target, items[:mid]) + _write_isolating(
            ctx, target, items[mid:]
        )


def apply_page(page: SyncPage, *, session: Session, actor: Actor) -> PageResult:
    """Apply one page of one CRM object (see the module docstring); returns the counts.

    The page is written first without savepoints (two statements fewer per target, in a
    transaction that holds SQLite's write lock); only if the database refuses a statement is it
    rolled back and written again with each target's batch in a savepoint, halved down to the
    refused record. Inside a caller's transaction it is written with savepoints at once.
    """
    if session.in_transaction():
        return _apply_page(page, session=session, actor=actor, isolate=True)
    try:
        return _apply_page(page, session=session, actor=actor, isolate=False)
    except _Refused:
        return _apply_page(page, session=session, actor=actor, isolate=True)


@transactional
def _apply_page(page: SyncPage, *, session: Session, actor: Actor, isolate: bool) -> PageResult:
    require_vendor(actor, "sales_ops", action="apply CRM records")
    now = utcnow()
    ctx = WriteContext(session, page.source, actor, now, isolate=isolate)
    result = PageResult()
    held: list[Held] = []
    applied: list[tuple[str, str]] = []
    links: list[dict[str, object]] = []
    grouped: dict[str, list[CrmRecord]] = {t: [] for t in TARGETS}

    def keep(
        target: str, crm_id: str, stamp: object, reason: str, waiting: tuple[str, str] | None = None
    ) -> None:
        payload = page.payloads.get(crm_id, "{}")
        held.append(Held(page.crm_object, target, crm_id, stamp, reason, payload, waiting))  # type: ignore[arg-type]
        result.add(target, "quarantined")

    for rec in page.records:
        if isinstance(rec, CrmReject):
            keep(rec.target, rec.crm_id, rec.stamp, rec.reason)
        else:
            grouped[rec.target].append(rec)
    created = 0
    for target in TARGETS:
        records = _latest(grouped[target])
        if not records:
            continue
        known = load_links(session, page.source, target, [r.crm_id for r in records])
        todo: list[Item] = []
        for rec in records:
            link = known.get(rec.crm_id)
            unchanged = link is None and rec.deleted
            if link is not None:
                replay = rec.stamp < link.stamp
                same = link.digest == rec.digest and link.deleted == rec.deleted
                unchanged = replay or same
            if unchanged:
                result.add(target, "unchanged")
                applied.append((target, rec.crm_id))
                continue
            todo.append(Item(rec, link.core_id if link else None, dict(rec.values)))
        ready, waiting = _resolve_refs(session, page.source, todo)
        for item, reason, parent in waiting:
            keep(target, item.record.crm_id, item.record.stamp, reason, parent)
        for item, done in zip(ready, _write_isolating(ctx, target, ready), strict=True):
            rec = item.record
            if done.outcome == "quarantined":
                keep(target, rec.crm_id, rec.stamp, done.reason)
                continue
            result.add(target, done.outcome)
            created += done.outcome == "created"
            applied.append((target, rec.crm_id))
            links.append(
                {
                    "source": page.source,
                    "target": target,
                    "crm_id": rec.crm_id,
                    "crm_object": page.crm_object,
                    "core_id": done.core_id,
                    "digest": rec.digest,
                    "crm_stamp": rec.stamp,
                    "deleted": rec.deleted,
                    "updated_at": now,
                }
            )
    ctx.flush_audits()
    save_links(session, links)
    result.released = release(session, page.source, applied)
    hold(session, page.source, page.mapping_version, held, now)
    if page.cursor is not None:
        save_cursor(session, page.source, page.crm_object, page.cursor, now)
    refresh_statistics(session, created, *{TABLES[t] for t in TARGETS}, "sync_record")
    return result
