"""Writing pulled end customers: linked to an existing customer where the core's dedupe finds one.

A CRM account new to this connection is matched like every customer entering the core (CRM id,
then e-mail, then domain): a match is linked, not duplicated, so a customer known to two
connections keeps one core record with two links. A customer this connection created takes every
CRM-owned value on later pulls; a customer it only linked to is filled where the core has no value,
since another source (an import, another CRM) owns what is there. A customer deleted in the CRM
stays in the core (orders and licenses belong to it); only its link is marked deleted.
"""

from __future__ import annotations

from collections.abc import Sequence

from order_core.customers.dedupe import DedupeIndex
from order_core.customers.fields import (
    CUSTOMER_FIELDS,
    CustomerValues,
    check_values,
    clean_values,
    dedupe_domain,
    normalize_email,
)
from order_core.customers.models import EndCustomer
from order_core.sync.rows import Row, fetch_by, insert_returning_ids, update_by_id
from order_core.sync.writing import Item, WriteContext, Written

_MAPPED = tuple(f for f in CUSTOMER_FIELDS if f not in ("crm_source", "crm_id"))


def _cleaned(item: Item) -> CustomerValues:
    raw = {k: None if v is None else str(v) for k, v in item.values.items()}
    return clean_values(raw)


def _derived(values: CustomerValues, row: Row | None) -> Row:
    email = values.get("email", row.get("email") if row else None)
    domain = values.get("domain", row.get("domain") if row else None)
    return {"email_normalized": normalize_email(email), "domain": dedupe_domain(domain, email)}


def write_customers(ctx: WriteContext, items: Sequence[Item]) -> list[Written]:
    """Create, update or link end customers from CRM records."""
    current = {
        int(r["id"]): r
        for r in fetch_by(ctx.session, EndCustomer, "id", [i.core_id for i in items if i.core_id])
    }
    cleaned = [_cleaned(i) for i in items]
    fresh_values = [
        {**v, "crm_source": ctx.source, "crm_id": i.record.crm_id}
        for i, v in zip(items, cleaned, strict=True)
        if i.core_id is None and not i.record.deleted
    ]
    index = DedupeIndex.load(ctx.session, fresh_values)
    out: list[Written] = []
    inserts: list[tuple[int, Row]] = []
    pending: dict[tuple[str, str], int] = {}  # dedupe key -> index of the item creating it
    follows: dict[int, int] = {}  # item index -> index of the new customer it links to
    updates: list[Row] = []
    for n, (item, values) in enumerate(zip(items, cleaned, strict=True)):
        rec = item.record
        if rec.deleted:
            out.append(Written("deleted" if item.core_id else "unchanged", item.core_id))
            continue
        problems = check_values(item.where, values)
        if problems:
            out.append(
                Written(
                    "quarantined",
                    item.core_id,
                    "; ".join(f"{p.field}: {p.reason}" for p in problems),
                )
            )
            continue
        row = current.get(item.core_id) if item.core_id else None
        if row is None:
            match = index.match({**values, "crm_source": ctx.source, "crm_id": rec.crm_id})
            if match is not None and match.id is not None:
                row = {c: getattr(match, c) for c in (*CUSTOMER_FIELDS, "id", "email_normalized")}
                owner = False
            else:
                keys = [("email", e) for e in [normalize_email(values.get("email"))] if e]
                keys += [
                    ("domain", d)
                    for d in [dedupe_domain(values.get("domain"), values.get("email"))]
                    if d
                ]
                first = next((pending[k] for k in keys if k in pending), None)
                if first is not None:
                    follows[n] = first
                    out.append(Written("updated", None))
                    continue
                for k in keys:
                    pending[k] = n
                new: Row = dict.fromkeys(CUSTOMER_FIELDS)
                new.update(
                    values,
                    crm_source=ctx.source,
                    crm_id=rec.crm_id,
                    reseller_of_record_id=None,
                    created_at=ctx.now,
                    updated_at=ctx.now,
                )
                new.update(_derived(values, None))
                inserts.append((n, new))
                out.append(Written("created", None))
                continue
        else:
            owner = row["crm_source"] == ctx.source and row["crm_id"] == rec.crm_id
        owned = [f for f in _MAPPED if f in values and f in rec.owned]
        change = {
            f: values[f] for f in owned if (owner or row.get(f) is None) and values[f] != row.get(f)
        }
        if owner is False and row.get("crm_source") is None:
            change.update(crm_source=ctx.source, crm_id=rec.crm_id)
        if change:
            change.update(
                {
                    k: v
                    for k, v in _derived(
                        {**{f: row.get(f) for f in _MAPPED}, **change}, None
                    ).items()
                    if v != row.get(k)
                }
            )
            delta = {k: [row.get(k), v] for k, v in change.items()}
            updates.append({"id": row["id"], "updated_at": ctx.now, **change})
            ctx.audit("crm_update" if owner else "crm_link", "end_customer", row["id"], delta, None)
        elif not owner:
            ctx.audit(
                "crm_link",
                "end_customer",
                row["id"],
                {"crm": [None, f"{ctx.source}:{rec.crm_id}"]},
                None,
            )
        out.append(Written("updated" if change or not owner else "unchanged", int(row["id"])))
    new_ids = insert_returning_ids(ctx.session, EndCustomer, [r for _, r in inserts])
    made = {}
    for (n, fresh), cid in zip(inserts, new_ids, strict=True):
        made[n] = cid
        out[n] = Written("created", cid)
        ctx.audit("crm_create", "end_customer", cid, {c: fresh[c] for c in CUSTOMER_FIELDS}, None)
    for n, first in follows.items():
        out[n] = Written("updated", made[first])
        ctx.audit(
            "crm_link",
            "end_customer",
            made[first],
            {"crm": [None, f"{ctx.source}:{items[n].record.crm_id}"]},
            None,
        )
    update_by_id(ctx.session, EndCustomer, updates)
    return out
