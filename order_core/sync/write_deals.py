"""Writing pulled deals and deal line items: set-based inserts and updates, owned fields only.

A deal keeps the list of fields the CRM owns (``crm_owned_fields``); a pull overwrites only those,
so a core-owned field (a note, a flag the core clears) is never undone by the next pull. A deal
deleted in the CRM is flagged, not deleted (quotes and orders may point at it); its line items
are deleted with the CRM's.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from functools import lru_cache

from order_core.customers.bulk_associations import associate_many
from order_core.deals.models import Deal, DealLine
from order_core.deals.validation import DEAL_FIELDS, check_deal_values
from order_core.sync.rows import Row, delete_by_id, fetch_by, insert_returning_ids, update_by_id
from order_core.sync.writing import (
    Item,
    WriteContext,
    Written,
    changed_owned,
    defaults_of,
    invalid,
    new_row,
    nulls_to_defaults,
    refused,
)

_DEAL_COLUMNS = tuple(c for c in DEAL_FIELDS if c not in ("crm_modified_at", "deleted_in_crm"))
_LINE_COLUMNS = (
    "deal_id",
    "sku",
    "quantity",
    "unit_price",
    "discount_percent",
    "position",
    "description",
)


def _owned_columns(item: Item) -> str:
    return _owned_text(tuple(item.values), item.record.owned)


@lru_cache(maxsize=64)
def _owned_text(columns: tuple[str, ...], owned: frozenset[str]) -> str:
    """The deal's ``crm_owned_fields``: a page's records share a handful of shapes."""
    return ",".join(sorted(c for c in columns if c.removesuffix("_id") in owned or c in owned))


def _existing(
    ctx: WriteContext, model: type[Deal] | type[DealLine], items: Sequence[Item]
) -> dict[str, Row]:
    """Current rows by CRM id: linked ones by id, the rest by (source, CRM id) (written elsewhere)."""
    rows = fetch_by(ctx.session, model, "id", [i.core_id for i in items if i.core_id is not None])
    found = {str(r["crm_id"]): r for r in rows if r["source"] == ctx.source}
    unlinked = [i.record.crm_id for i in items if i.record.crm_id not in found]
    if unlinked:
        for r in fetch_by(ctx.session, model, "crm_id", unlinked, source=ctx.source):
            found[str(r["crm_id"])] = r
    return found


def write_deals(ctx: WriteContext, items: Sequence[Item]) -> list[Written]:
    """Create, update, flag deleted or restore deals from CRM records."""
    current = _existing(ctx, Deal, items)
    defaults = defaults_of(Deal, source=ctx.source, crm_id="", name="")
    nulls_to_defaults(Deal, items, defaults)
    out: list[Written] = []
    inserts: list[tuple[int, Row]] = []
    updates: list[Row] = []
    touched: list[Row] = []
    for n, item in enumerate(items):
        rec = item.record
        row = current.get(rec.crm_id)
        if rec.deleted:
            if row is None or row["deleted_in_crm"]:
                out.append(Written("unchanged", None if row is None else row["id"]))
                continue
            updates.append(
                {
                    "id": row["id"],
                    "deleted_in_crm": True,
                    "crm_modified_at": rec.stamp,
                    "updated_at": ctx.now,
                }
            )
            ctx.audit(
                "crm_delete",
                "deal",
                row["id"],
                {"deleted_in_crm": [False, True]},
                row["partner_id"],
            )
            out.append(Written("deleted", row["id"]))
            continue
        problems = check_deal_values(item.where, item.values)
        if problems:
            out.append(Written("quarantined", None, refused(problems)))
            continue
        if row is None:
            fresh = new_row(defaults, item, ctx.now)
            fresh.update(
                crm_id=rec.crm_id, crm_modified_at=rec.stamp, crm_owned_fields=_owned_columns(item)
            )
            inserts.append((n, fresh))
            out.append(Written("created", None))
            continue
        if row["crm_modified_at"] is not None and rec.stamp < row["crm_modified_at"]:
            out.append(Written("unchanged", row["id"]))  # a replay of an older version
            continue
        delta = changed_owned(row, item, _DEAL_COLUMNS)
        restored = bool(row["deleted_in_crm"])
        if restored:
            delta["deleted_in_crm"] = [True, False]
        change: Row = {"id": row["id"], "crm_modified_at": rec.stamp, "deleted_in_crm": False}
        change.update({c: new for c, (_, new) in delta.items()})
        change["crm_owned_fields"] = _owned_columns(item)
        if delta:
            change["updated_at"] = ctx.now
            ctx.audit(
                "crm_update", "deal", row["id"], delta, change.get("partner_id", row["partner_id"])
            )
            touched.append({**row, **change})
        updates.append(change)
        out.append(Written("updated" if delta else "unchanged", row["id"]))
    ids = insert_returning_ids(ctx.session, Deal, [r for _, r in inserts])
    for (n, fresh), deal_id in zip(inserts, ids, strict=True):
        out[n] = Written("created", deal_id)
        ctx.audit(
            "crm_create", "deal", deal_id, {c: fresh[c] for c in _DEAL_COLUMNS}, fresh["partner_id"]
        )
        touched.append({**fresh, "id": deal_id})
    update_by_id(ctx.session, Deal, updates)
    pairs = [
        (r["end_customer_id"], r["partner_id"])
        for r in touched
        if r["end_customer_id"] is not None and r["partner_id"] is not None
    ]
    associate_many(ctx.session, pairs, "deal", actor=ctx.actor, at=ctx.now)
    return out


def write_deal_lines(ctx: WriteContext, items: Sequence[Item]) -> list[Written]:
    """Create, update or delete deal line items from CRM records."""
    current = _existing(ctx, DealLine, items)
    defaults = defaults_of(DealLine, deal_id=0, source=ctx.source, crm_id="", sku="", quantity=0)
    nulls_to_defaults(DealLine, items, defaults)
    out: list[Written] = []
    inserts: list[tuple[int, Row]] = []
    updates: list[Row] = []
    gone: list[int] = []
    for n, item in enumerate(items):
        rec = item.record
        row = current.get(rec.crm_id)
        if rec.deleted:
            if row is None:
                out.append(Written("unchanged", None))
                continue
            gone.append(row["id"])
            ctx.audit("crm_delete", "deal_line", row["id"], {"sku": row["sku"]}, None)
            out.append(Written("deleted", None))
            continue
        reason = invalid(DealLine, item)
        quantity = item.values.get("quantity")
        if not reason and (not isinstance(quantity, Decimal) or quantity <= 0):
            reason = f"quantity: {quantity!r} is not a positive number"
        if reason:
            out.append(Written("quarantined", None, reason))
            continue
        if row is None:
            fresh = new_row(defaults, item, ctx.now)
            fresh["crm_id"] = rec.crm_id
            inserts.append((n, fresh))
            out.append(Written("created", None))
            continue
        delta = changed_owned(row, item, _LINE_COLUMNS)
        if delta:
            updates.append(
                {"id": row["id"], "updated_at": ctx.now, **{c: v for c, (_, v) in delta.items()}}
            )
            ctx.audit("crm_update", "deal_line", row["id"], delta, None)
        out.append(Written("updated" if delta else "unchanged", row["id"]))
    ids = insert_returning_ids(ctx.session, DealLine, [r for _, r in inserts])
    for (n, fresh), line_id in zip(inserts, ids, strict=True):
        out[n] = Written("created", line_id)
        ctx.audit("crm_create", "deal_line", line_id, {c: fresh[c] for c in _LINE_COLUMNS}, None)
    update_by_id(ctx.session, DealLine, updates)
    delete_by_id(ctx.session, DealLine, gone)
    return out
