"""Deals: the idempotent upsert by (source, CRM id) the CRM sync calls, core-side edits, get and list."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from sqlalchemy import insert
from sqlmodel import Session, col, select

from order_core.actors import Actor, partner_scope, require_vendor
from order_core.audit import AuditRow, diff, record_audit, record_audits
from order_core.bulk_sql import chunks, one_of, refresh_statistics
from order_core.customers.bulk_associations import associate_many
from order_core.customers.models import EndCustomer
from order_core.deals.models import Deal
from order_core.deals.validation import DEAL_FIELDS, SYNC_FIELDS, check_deal_values
from order_core.errors import NotFoundError, Problem, ValidationFailed
from order_core.partners.models import Partner
from order_core.tx import transactional
from order_core.types import utcnow

UpsertOutcome = Literal["created", "updated", "unchanged"]
DealValue = str | int | bool | Decimal | date | datetime | None


@dataclass(frozen=True)
class DealUpsert:
    """One deal as the CRM sends it: identity, the mapped values and which of them the CRM owns."""

    source: str
    crm_id: str
    values: Mapping[str, DealValue]
    owned_fields: frozenset[str] | None = field(default=None)


def _owned(deal: Deal) -> set[str]:
    return {f for f in deal.crm_owned_fields.split(",") if f}


def _apply(deal: Deal, values: Mapping[str, DealValue], allowed: set[str]) -> None:
    for name, value in values.items():
        if name in allowed or name in SYNC_FIELDS:
            setattr(deal, name, value)


@transactional
def upsert_deals(
    batch: Sequence[DealUpsert], *, session: Session, actor: Actor
) -> list[tuple[Deal, UpsertOutcome]]:
    """Upsert many deals in one transaction (one prefetch query per 500 deals, no N+1).

    A new deal takes every given value and the CRM owns ``owned_fields`` (default: every given
    field). An existing deal takes only the values of the fields the CRM owns; core-owned fields
    are never overwritten. A record whose ``crm_modified_at`` is older than the stored one is a
    replay and leaves the deal unchanged. Re-sending the same record changes nothing.
    """
    require_vendor(actor, "sales_ops", action="write deals from the CRM")
    problems: list[Problem] = []
    for item in batch:
        problems.extend(check_deal_values(f"deal {item.source}:{item.crm_id}", item.values))
        if not item.source or not item.crm_id:
            problems.append(
                Problem(
                    f"deal {item.source}:{item.crm_id}", "crm_id", "source and CRM id are required"
                )
            )
    problems.extend(_missing_references(session, batch))
    if problems:
        raise ValidationFailed(f"{len(batch)} deal(s) from the CRM are not valid", problems)
    existing: dict[tuple[str, str], Deal] = {}
    crm_ids = sorted({i.crm_id for i in batch})
    for chunk in chunks(crm_ids):
        stmt = select(Deal).where(one_of(session, col(Deal.crm_id), chunk))
        existing.update({(d.source, d.crm_id): d for d in session.exec(stmt)})
    pending: dict[tuple[str, str], dict[str, object]] = {}
    outcomes: list[tuple[tuple[str, str], UpsertOutcome]] = []
    audits: list[AuditRow] = []
    now = utcnow()
    for item in batch:
        key = (item.source, item.crm_id)
        deal = existing.get(key)
        if deal is None and key in pending:
            # The same new deal twice in one batch: the later record wins for CRM-owned fields.
            row = pending[key]
            owned_now = set(str(row["crm_owned_fields"]).split(","))
            row.update({k: v for k, v in item.values.items() if k in owned_now or k in SYNC_FIELDS})
            outcomes.append((key, "updated"))
            continue
        if deal is None:
            pending[key] = _new_row(item, now)
            outcomes.append((key, "created"))
            continue
        stamp = item.values.get("crm_modified_at")
        if isinstance(stamp, datetime) and deal.crm_modified_at and stamp < deal.crm_modified_at:
            outcomes.append((key, "unchanged"))
            continue
        before = _snapshot(deal)
        _apply(deal, item.values, _owned(deal))
        delta = diff(before, _snapshot(deal))
        if delta:
            deal.updated_at = now
            audits.append(("crm_update", "deal", deal.id, delta, deal.partner_id))
        outcomes.append((key, "updated" if delta else "unchanged"))
    if pending:
        bulk = insert(Deal).returning(Deal, sort_by_parameter_order=True)
        made = session.execute(bulk, list(pending.values())).scalars().all()
        for (key, row), deal in zip(pending.items(), made, strict=True):
            existing[key] = deal
            values = {k: row[k] for k in DEAL_FIELDS}
            audits.append(("crm_create", "deal", deal.id, values, deal.partner_id))
    record_audits(session, actor, audits)
    results = [(existing[key], outcome) for key, outcome in outcomes]
    pairs = [
        (d.end_customer_id, d.partner_id)
        for d, outcome in results
        if outcome != "unchanged" and d.end_customer_id is not None and d.partner_id is not None
    ]
    associate_many(session, pairs, "deal", actor=actor, at=now)
    refresh_statistics(session, len(pending), "deal", "customer_association")
    return results


def _snapshot(deal: Deal) -> dict[str, object]:
    return {f: getattr(deal, f) for f in DEAL_FIELDS}


def _new_row(item: DealUpsert, now: datetime) -> dict[str, object]:
    """Column values of a new deal (bulk insert); the CRM owns the given fields unless told otherwise."""
    where = f"deal {item.source}:{item.crm_id}"
    if not item.values.get("name"):
        raise ValidationFailed(
            f"{where} is not valid", [Problem(where, "name", "a new deal needs a name")]
        )
    owned = set(item.owned_fields if item.owned_fields is not None else item.values) - SYNC_FIELDS
    row: dict[str, object] = {
        "source": item.source,
        "crm_id": item.crm_id,
        "kind": "opportunity",
        "partner_id": None,
        "end_customer_id": None,
        "name": "",
        "stage": "",
        "amount": None,
        "currency": "USD",
        "close_date": None,
        "registration_status": None,
        "registration_expires_on": None,
        "registration_discount_percent": None,
        "registration_scope": "",
        "quote_requested": False,
        "crm_modified_at": None,
        "deleted_in_crm": False,
        "created_at": now,
        "updated_at": now,
    }
    row.update(item.values)
    row["crm_owned_fields"] = ",".join(sorted(owned))
    return row


def _known_ids(session: Session, name: str, ids: list[int]) -> set[int]:
    column = col(Partner.id) if name == "partner_id" else col(EndCustomer.id)
    known: set[int | None] = set()
    for chunk in chunks(ids):
        stmt = select(column).where(one_of(session, column, chunk))
        known.update(session.execute(stmt).scalars())
    return {i for i in known if i is not None}


def _missing_references(session: Session, batch: Sequence[DealUpsert]) -> list[Problem]:
    """A problem for each deal naming a partner or end customer that does not exist."""
    problems: list[Problem] = []
    for name in ("partner_id", "end_customer_id"):
        wanted = sorted({v for i in batch if isinstance(v := i.values.get(name), int)})
        known = _known_ids(session, name, wanted)
        for item in batch:
            value = item.values.get(name)
            if isinstance(value, int) and value not in known:
                problems.append(
                    Problem(f"deal {item.source}:{item.crm_id}", name, f"{value} does not exist")
                )
    return problems


@transactional
def upsert_deal(
    source: str,
    crm_id: str,
    values: Mapping[str, DealValue],
    *,
    session: Session,
    actor: Actor,
    owned_fields: Iterable[str] | None = None,
) -> tuple[Deal, UpsertOutcome]:
    """Create or update one deal by (source, CRM id); see ``upsert_deals`` for the ownership rules."""
    item = DealUpsert(
        source, crm_id, values, frozenset(owned_fields) if owned_fields is not None else None
    )
    return upsert_deals([item], session=session, actor=actor)[0]


@transactional
def update_deal(
    deal_id: int, changes: Mapping[str, DealValue], *, session: Session, actor: Actor
) -> Deal:
    """Change core-owned fields of a deal (vendor staff); a CRM-owned field is refused (change it in the CRM)."""
    require_vendor(actor, "sales_ops", action="change deals")
    deal = session.get(Deal, deal_id)
    if deal is None:
        raise NotFoundError(f"deal {deal_id} not found")
    where = f"deal {deal.source}:{deal.crm_id}"
    problems = check_deal_values(where, changes)
    problems += [
        Problem(where, f, "is owned by the CRM; change it in the CRM")
        for f in changes
        if f in _owned(deal) or f in SYNC_FIELDS
    ]
    if problems:
        raise ValidationFailed(f"{where} cannot be changed like this", problems)
    before = deal.model_dump()
    _apply(deal, changes, set(DEAL_FIELDS))
    delta = diff(before, deal.model_dump())
    if delta:
        deal.updated_at = utcnow()
        session.add(deal)
        record_audit(session, actor, "update", "deal", deal_id, delta, partner_id=deal.partner_id)
    return deal


@transactional
def get_deal(deal_id: int, *, session: Session, actor: Actor) -> Deal:
    """One deal; a partner actor sees only its own partner's deals."""
    deal = session.get(Deal, deal_id)
    if deal is None or (not actor.is_vendor_side and deal.partner_id != actor.partner_id):
        raise NotFoundError(f"deal {deal_id} not found")
    return deal


def find_deal(session: Session, source: str, crm_id: str) -> Deal | None:
    """The deal with this (source, CRM id), or None (for the sync; no access check)."""
    return session.exec(select(Deal).where(Deal.source == source, Deal.crm_id == crm_id)).first()


@transactional
def list_deals(
    *,
    session: Session,
    actor: Actor,
    partner_id: int | None = None,
    quote_requested: bool | None = None,
    include_deleted: bool = False,
) -> list[Deal]:
    """Deals by id: all (vendor) or one partner's (a partner actor: always its own)."""
    scope = partner_scope(actor, partner_id)
    stmt = select(Deal).order_by(col(Deal.id))
    if scope is not None:
        stmt = stmt.where(Deal.partner_id == scope)
    if quote_requested is not None:
        stmt = stmt.where(Deal.quote_requested == quote_requested)
    if not include_deleted:
        stmt = stmt.where(col(Deal.deleted_in_crm).is_(False))
    return list(session.exec(stmt))
