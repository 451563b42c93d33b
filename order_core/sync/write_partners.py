"""Writing pulled partner companies and their authorized buyers, set-based.

A partner account is linked to the core partner by its CRM reference (an existing partner with that
reference, e.g. loaded from the catalog, is linked, not duplicated) and joins the program its mapping
names. A partner or buyer deleted in the CRM is deactivated, never deleted: orders and invoices keep
pointing at it; restored in the CRM, it is active again.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import fields
from typing import TypeVar

from order_core.catalog.version import new_entity_rows
from order_core.errors import ValidationFailed
from order_core.partners.buyers import BuyerValues, check_buyer
from order_core.partners.models import Buyer, Partner, PartnerCrmRef, Program, ProgramMembership
from order_core.partners.services import PartnerValues, check_partner
from order_core.rowbatch import table_of
from order_core.sync.rows import Row, fetch_by, insert_returning_ids, update_by_id
from order_core.sync.writing import (
    Item,
    WriteContext,
    Written,
    changed_owned,
    defaults_of,
    new_row,
    nulls_to_defaults,
)

_PARTNER_COLUMNS = ("name", "kind", "tier", "country", "currency", "locale", "active")
_BUYER_COLUMNS = ("partner_id", "email", "name", "role", "spending_limit", "active")


T = TypeVar("T")


_PARTNER_CHECKED = tuple(f.name for f in fields(PartnerValues))
_BUYER_CHECKED = tuple(f.name for f in fields(BuyerValues))


def _refusal(check: Callable[[T], None], instance: T) -> str:
    try:
        check(instance)
    except ValidationFailed as exc:
        return "; ".join(f"{p.field}: {p.reason}" for p in exc.problems)
    return ""


def _join_programs(ctx: WriteContext, wanted: set[tuple[int, int]], new: set[int]) -> None:
    """An open membership for each (partner, program) pair that is not an active one already
    (``new``: partners created in this transaction, whose first memberships are new rows)."""
    if not wanted:
        return
    today = ctx.now.date()
    active = {
        (r["partner_id"], r["program_id"])
        for r in fetch_by(ctx.session, ProgramMembership, "partner_id", {p for p, _ in wanted})
        if r["ends_on"] is None or r["ends_on"] >= today
    }
    rows = [
        {"partner_id": p, "program_id": g, "starts_on": today, "ends_on": None}
        for p, g in sorted(wanted - active)
    ]
    first = [r for r in rows if r["partner_id"] in new]
    if first:
        with new_entity_rows(ctx.session):
            ctx.session.execute(table_of(ProgramMembership).insert(), first)
    changed = [r for r in rows if r["partner_id"] not in new]
    if changed:
        ctx.session.execute(table_of(ProgramMembership).insert(), changed)


def _deactivate(ctx: WriteContext, entity: str, row: Row | None, change: Row) -> Written:
    if row is None or not row["active"]:
        return Written("unchanged", None if row is None else int(row["id"]))
    change["id"] = row["id"]
    partner_id = row["id"] if entity == "partner" else row["partner_id"]
    ctx.audit("crm_delete", entity, row["id"], {"active": [True, False]}, partner_id)
    return Written("deleted", int(row["id"]))


def write_partners(ctx: WriteContext, items: Sequence[Item]) -> list[Written]:
    """Create, update, deactivate or reactivate partners from CRM records."""
    refs = table_of(PartnerCrmRef)
    crm_ids = [i.record.crm_id for i in items]
    linked = {
        str(r["crm_id"]): int(r["partner_id"])
        for r in fetch_by(ctx.session, PartnerCrmRef, "crm_id", crm_ids, source=ctx.source)
    }
    ids = {i.core_id for i in items if i.core_id is not None} | set(linked.values())
    current = {int(r["id"]): r for r in fetch_by(ctx.session, Partner, "id", ids)}
    codes = {str(c) for i in items if (c := i.values.get("program"))}
    programs = {str(r["code"]): int(r["id"]) for r in fetch_by(ctx.session, Program, "code", codes)}
    defaults = defaults_of(Partner, name="")
    nulls_to_defaults(Partner, items, defaults)
    out: list[Written] = []
    inserts: list[tuple[int, Row]] = []
    updates: list[Row] = []
    joins: dict[int, int] = {}  # item index -> program id
    for n, item in enumerate(items):
        rec = item.record
        pid = item.core_id or linked.get(rec.crm_id)
        row = current.get(pid) if pid is not None else None
        if rec.deleted:
            change: Row = {"active": False, "updated_at": ctx.now}
            out.append(_deactivate(ctx, "partner", row, change))
            if "id" in change:
                updates.append(change)
            continue
        code = item.values.pop("program", None)
        if code is not None and str(code) not in programs:
            reason = (
                f"program: {code!r} does not exist; load a catalog that defines it or map another"
            )
            out.append(Written("quarantined", pid, reason))
            continue
        merged = {**(row or defaults), **item.values}
        reason = _refusal(check_partner, PartnerValues(**{k: merged[k] for k in _PARTNER_CHECKED}))
        if reason:
            out.append(Written("quarantined", pid, reason))
            continue
        if code is not None:
            joins[n] = programs[str(code)]
        if row is None:
            inserts.append((n, new_row(defaults, item, ctx.now)))
            out.append(Written("created", None))
            continue
        delta = changed_owned(row, item, _PARTNER_COLUMNS)
        if not row["active"] and "active" not in item.values:
            delta["active"] = [False, True]  # restored in the CRM
        if delta:
            updates.append(
                {"id": row["id"], "updated_at": ctx.now, **{c: v for c, (_, v) in delta.items()}}
            )
            ctx.audit("crm_update", "partner", row["id"], delta, row["id"])
        out.append(Written("updated" if delta else "unchanged", int(row["id"])))
    with new_entity_rows(ctx.session):
        new_ids = insert_returning_ids(ctx.session, Partner, [r for _, r in inserts])
    new_refs = []
    for (n, fresh), pid in zip(inserts, new_ids, strict=True):
        out[n] = Written("created", pid)
        ctx.audit("crm_create", "partner", pid, {c: fresh[c] for c in _PARTNER_COLUMNS}, pid)
        new_refs.append({"partner_id": pid, "source": ctx.source, "crm_id": items[n].record.crm_id})
    if new_refs:
        ctx.session.execute(refs.insert(), new_refs)
    update_by_id(ctx.session, Partner, updates)
    _join_programs(ctx, {(int(out[n].core_id or 0), g) for n, g in joins.items()}, set(new_ids))
    return out


def write_buyers(ctx: WriteContext, items: Sequence[Item]) -> list[Written]:
    """Create, update, deactivate or reactivate authorized buyers from partner contacts."""
    linked = {
        int(r["id"]): r
        for r in fetch_by(ctx.session, Buyer, "id", [i.core_id for i in items if i.core_id])
    }
    emails = {str(i.values.get("email")) for i in items if i.values.get("email")}
    by_email = {
        (int(r["partner_id"]), str(r["email"])): r
        for r in fetch_by(ctx.session, Buyer, "email", emails)
    }
    defaults = defaults_of(Buyer, partner_id=0, email="", name="")
    nulls_to_defaults(Buyer, items, defaults)
    out: list[Written] = []
    inserts: list[tuple[int, Row]] = []
    updates: list[Row] = []
    claimed: dict[tuple[int, str], str] = {}  # (partner, email) -> CRM id writing it in this page
    for n, item in enumerate(items):
        rec = item.record
        key = (int(str(item.values.get("partner_id") or 0)), str(item.values.get("email")))
        row = linked.get(item.core_id) if item.core_id else by_email.get(key)
        if rec.deleted:
            change: Row = {"active": False, "deactivated_at": ctx.now}
            out.append(_deactivate(ctx, "buyer", row, change))
            if "id" in change:
                updates.append(change)
            continue
        merged = {**(row or defaults), **item.values}
        reason = _refusal(check_buyer, BuyerValues(**{k: merged[k] for k in _BUYER_CHECKED}))
        holder = by_email.get(key)  # a row of its own fetch: compare ids, never identities
        taken = holder is not None and (row is None or holder["id"] != row["id"])
        if not reason and (key in claimed or taken):
            other = claimed.get(key) or f"buyer {holder['id'] if holder else '?'}"
            reason = f"email: {key[1]} is already an authorized buyer of this partner ({other})"
        if reason:
            out.append(Written("quarantined", None, reason))
            continue
        claimed[key] = f"contact {rec.crm_id}"
        if row is None:
            inserts.append((n, new_row(defaults, item, ctx.now)))
            out.append(Written("created", None))
            continue
        delta = changed_owned(row, item, _BUYER_COLUMNS)
        if not row["active"] and "active" not in item.values:
            delta["active"] = [False, True]
        if delta:
            change = {"id": row["id"], **{c: v for c, (_, v) in delta.items()}}
            if "active" in delta:
                change["deactivated_at"] = None if change["active"] else ctx.now
            updates.append(change)
            ctx.audit("crm_update", "buyer", row["id"], delta, row["partner_id"])
        out.append(Written("updated" if delta else "unchanged", int(row["id"])))
    with new_entity_rows(ctx.session):
        new_ids = insert_returning_ids(ctx.session, Buyer, [r for _, r in inserts])
    for (n, fresh), bid in zip(inserts, new_ids, strict=True):
        out[n] = Written("created", bid)
        ctx.audit(
            "crm_create", "buyer", bid, {c: fresh[c] for c in _BUYER_COLUMNS}, fresh["partner_id"]
        )
    update_by_id(ctx.session, Buyer, updates)
    return out
