"""Reseller <-> end customer association: who is the reseller of record, and since when."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col, select

from order_core.actors import Actor, require_partner_access, require_vendor
from order_core.audit import record_audit
from order_core.customers.events import associated_event, reseller_event
from order_core.customers.models import CustomerAssociation, EndCustomer
from order_core.errors import NotFoundError, invalid
from order_core.outbox import emit_events
from order_core.partners.models import Partner
from order_core.tx import transactional
from order_core.types import utcnow

ORIGINS = ("deal", "order", "quote", "import", "manual", "catalog")
_CORE = Actor.system("core")


def _association(session: Session, customer_id: int, partner_id: int) -> CustomerAssociation | None:
    return session.exec(
        select(CustomerAssociation).where(
            CustomerAssociation.customer_id == customer_id,
            CustomerAssociation.partner_id == partner_id,
        )
    ).first()


def associate_customer(
    session: Session,
    customer_id: int,
    partner_id: int,
    origin: str,
    *,
    actor: Actor | None = None,
    at: datetime | None = None,
) -> CustomerAssociation:
    """Associate an end customer with a reseller, inside the caller's transaction.

    The first call for a (customer, partner) pair creates the association (``since`` = now, how it
    began = ``origin``) and, when the customer has no reseller of record yet, makes this partner it;
    later calls only refresh ``last_activity_at``. Deals, quotes and orders call this.
    """
    if origin not in ORIGINS:
        raise invalid(f"association of customer {customer_id}", "origin", f"use one of {ORIGINS}")
    moment = at or utcnow()
    who = actor or _CORE
    association = _association(session, customer_id, partner_id)
    if association is not None:
        if association.last_activity_at < moment:
            association.last_activity_at = moment
            session.add(association)
        return association
    customer = session.get(EndCustomer, customer_id)
    if customer is None:
        raise NotFoundError(f"end customer {customer_id} not found")
    if session.get(Partner, partner_id) is None:
        raise NotFoundError(f"partner {partner_id} not found")
    # Two transactions may create the same first association at once (two orders of a new
    # customer): the insert that loses waits for the winner and does nothing, taking no row lock
    # another checkout could be waiting behind (a lock on the customer deadlocks with the
    # foreign-key checks of its orders).
    table = CustomerAssociation.__table__  # type: ignore[attr-defined]
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    created = session.execute(
        insert(table)
        .values(
            customer_id=customer_id,
            partner_id=partner_id,
            since=moment,
            origin=origin,
            last_activity_at=moment,
        )
        .on_conflict_do_nothing(index_elements=["customer_id", "partner_id"])
    )
    association = _association(session, customer_id, partner_id)
    assert association is not None
    if not created.rowcount:  # type: ignore[attr-defined]
        if association.last_activity_at < moment:
            association.last_activity_at = moment
            session.add(association)
        return association
    changes: dict[str, object] = {"associated_partner_id": partner_id, "origin": origin}
    events = []
    if customer.reseller_of_record_id is None:
        customer.reseller_of_record_id = partner_id
        session.add(customer)
        changes["reseller_of_record_id"] = [None, partner_id]
        events.append(reseller_event(customer_id, partner_id, None))
    session.flush()
    record_audit(
        session, who, "associate", "end_customer", customer_id, changes, partner_id=partner_id
    )
    of_record = customer.reseller_of_record_id == partner_id
    event = associated_event(
        customer_id,
        customer.name,
        customer.country,
        partner_id,
        origin,
        moment,
        reseller_of_record=of_record,
    )
    emit_events(session, [event, *events])
    return association


def is_associated(session: Session, customer_id: int, partner_id: int) -> bool:
    """True when the partner is associated with the customer."""
    stmt = select(CustomerAssociation.id).where(
        CustomerAssociation.customer_id == customer_id,
        CustomerAssociation.partner_id == partner_id,
    )
    return session.exec(stmt).first() is not None


def visible_customer(session: Session, actor: Actor, customer_id: int) -> EndCustomer:
    """The customer if the actor may see it (vendor side, or a partner associated with it)."""
    customer = session.get(EndCustomer, customer_id)
    if customer is None or (
        not actor.is_vendor_side
        and (actor.partner_id is None or not is_associated(session, customer_id, actor.partner_id))
    ):
        raise NotFoundError(f"end customer {customer_id} not found")
    return customer


@transactional
def customer_associations(
    customer_id: int, *, session: Session, actor: Actor
) -> list[CustomerAssociation]:
    """The association history of a customer, oldest first; a partner sees only its own association."""
    visible_customer(session, actor, customer_id)
    stmt = (
        select(CustomerAssociation)
        .where(CustomerAssociation.customer_id == customer_id)
        .order_by(col(CustomerAssociation.since), col(CustomerAssociation.id))
    )
    if not actor.is_vendor_side:
        stmt = stmt.where(CustomerAssociation.partner_id == actor.partner_id)
    return list(session.exec(stmt))


@transactional
def set_reseller_of_record(
    customer_id: int, partner_id: int, *, session: Session, actor: Actor
) -> EndCustomer:
    """Make another associated reseller the reseller of record (vendor admin; e.g. a channel conflict ruling)."""
    require_vendor(actor, action="change the reseller of record")
    customer = visible_customer(session, actor, customer_id)
    if not is_associated(session, customer_id, partner_id):
        raise invalid(
            f"end customer {customer.name}",
            "reseller_of_record_id",
            f"partner {partner_id} is not associated with this customer; associate it first",
        )
    old = customer.reseller_of_record_id
    if old != partner_id:
        customer.reseller_of_record_id = partner_id
        customer.updated_at = utcnow()
        session.add(customer)
        record_audit(
            session,
            actor,
            "set_reseller_of_record",
            "end_customer",
            customer_id,
            {"reseller_of_record_id": [old, partner_id]},
            partner_id=partner_id,
        )
        since = session.exec(
            select(CustomerAssociation.since, CustomerAssociation.origin).where(
                CustomerAssociation.customer_id == customer_id,
                CustomerAssociation.partner_id == partner_id,
            )
        ).one()
        event = associated_event(
            customer_id,
            customer.name,
            customer.country,
            partner_id,
            since[1],
            since[0],
            reseller_of_record=True,
        )
        emit_events(session, [event, reseller_event(customer_id, partner_id, old)])
    return customer


@transactional
def recent_customers(
    partner_id: int, *, session: Session, actor: Actor, limit: int = 10
) -> list[EndCustomer]:
    """The partner's end customers, most recently active first."""
    require_partner_access(actor, partner_id, what=f"partner {partner_id}")
    stmt = (
        select(EndCustomer)
        .join(CustomerAssociation, col(CustomerAssociation.customer_id) == col(EndCustomer.id))
        .where(CustomerAssociation.partner_id == partner_id)
        .order_by(col(CustomerAssociation.last_activity_at).desc(), col(EndCustomer.id).desc())
        .limit(limit)
    )
    return list(session.exec(stmt))
