"""Associating many (end customer, reseller) pairs at once: a few bulk statements for a page of
CRM deals or a customer import, with the same audit entries and events as one association."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import bindparam, update
from sqlmodel import Session

from order_core.actors import Actor
from order_core.audit import AuditRow, record_audits
from order_core.bulk_sql import chunks, keyed_select, keys_value
from order_core.customers.associations import ORIGINS
from order_core.customers.events import associated_event, reseller_event
from order_core.customers.models import CustomerAssociation, EndCustomer
from order_core.errors import invalid
from order_core.outbox import emit_events
from order_core.rowbatch import insert_rows, table_of
from order_core.types import utcnow

_CORE = Actor.system("core")
_ASSOCIATIONS = table_of(CustomerAssociation)
_CUSTOMERS = table_of(EndCustomer)
_ASSOCIATION_COLUMNS = ("customer_id", "partner_id", "id", "last_activity_at")
_CUSTOMER_COLUMNS = ("id", "name", "country", "reseller_of_record_id")
# Built once: constructing an UPDATE costs more than running it for a page's rows.
_TOUCH = (
    update(_ASSOCIATIONS)
    .where(_ASSOCIATIONS.c.id == bindparam("_id"))
    .values(last_activity_at=bindparam("_at"))
)
_OF_RECORD = (
    update(_CUSTOMERS)
    .where(_CUSTOMERS.c.id == bindparam("_id"))
    .values(reseller_of_record_id=bindparam("_partner"))
)


def associate_many(
    session: Session,
    pairs: Iterable[tuple[int, int]],
    origin: str,
    *,
    actor: Actor | None = None,
    at: datetime | None = None,
) -> int:
    """``associate_customer`` for many ``(customer_id, partner_id)`` pairs with a few bulk statements.

    Existing associations get their activity time refreshed; new ones are inserted; a customer
    without a reseller of record gets the first new partner in ``pairs``. Returns how many are new.
    """
    if origin not in ORIGINS:
        raise invalid("association", "origin", f"use one of {ORIGINS}")
    moment, who = at or utcnow(), actor or _CORE
    wanted = list(dict.fromkeys(pairs))
    table = _ASSOCIATIONS
    wanted_set = set(wanted)
    existing: dict[tuple[int, int], tuple[int, datetime]] = {}
    dialect = session.get_bind().dialect.name
    for chunk in chunks(sorted({c for c, _ in wanted})):
        keys = {"keys": keys_value(dialect, chunk)}
        for customer_id, partner_id, assoc_id, last in session.execute(
            keyed_select(dialect, _ASSOCIATIONS, "customer_id", _ASSOCIATION_COLUMNS), keys
        ).all():
            if (customer_id, partner_id) in wanted_set:
                existing[(customer_id, partner_id)] = (assoc_id, last)
    stale = [{"_id": i, "_at": moment} for i, last in existing.values() if last < moment]
    if stale:
        session.connection().execute(_TOUCH, stale)
    new = [p for p in wanted if p not in existing]
    if not new:
        return 0
    insert_rows(
        session,
        [
            (
                table,
                [
                    {
                        "customer_id": c,
                        "partner_id": p,
                        "since": moment,
                        "origin": origin,
                        "last_activity_at": moment,
                    }
                    for c, p in new
                ],
            )
        ],
    )
    unowned: set[int] = set()
    known: dict[int, tuple[str, str | None]] = {}
    for chunk in chunks(sorted({c for c, _ in new})):
        keys = {"keys": keys_value(dialect, chunk)}
        for customer_id, name, country, of_record in session.execute(
            keyed_select(dialect, _CUSTOMERS, "id", _CUSTOMER_COLUMNS), keys
        ).all():
            known[customer_id] = (name, country)
            if of_record is None:
                unowned.add(customer_id)
    record_of: dict[int, int] = {}
    for customer_id, partner_id in new:
        if customer_id in unowned:
            record_of.setdefault(customer_id, partner_id)
    if record_of:
        session.connection().execute(
            _OF_RECORD, [{"_id": c, "_partner": p} for c, p in record_of.items()]
        )
    rows: list[AuditRow] = []
    for customer_id, partner_id in new:
        changes: dict[str, object] = {"associated_partner_id": partner_id, "origin": origin}
        if record_of.get(customer_id) == partner_id:
            changes["reseller_of_record_id"] = [None, partner_id]
        rows.append(("associate", "end_customer", customer_id, changes, partner_id))
    record_audits(session, who, rows)
    emit_events(
        session,
        [
            associated_event(
                c,
                *known[c],
                p,
                origin,
                moment,
                reseller_of_record=record_of.get(c) == p,
            )
            for c, p in new
        ]
        + [reseller_event(c, p, None) for c, p in record_of.items()],
    )
    return len(new)
