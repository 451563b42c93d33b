"""End customers: create (deduplicated), edit, get and list, always within the actor's partner scope."""

from __future__ import annotations

from collections.abc import Mapping

from sqlmodel import Session, col, select

from order_core.actors import Actor, partner_scope
from order_core.audit import diff, record_audit
from order_core.customers.associations import associate_customer, visible_customer
from order_core.customers.dedupe import DedupeIndex, find_duplicate
from order_core.customers.fields import (
    CUSTOMER_FIELDS,
    CustomerValues,
    check_values,
    clean_values,
    dedupe_domain,
    normalize_email,
)
from order_core.customers.models import CustomerAssociation, EndCustomer
from order_core.errors import ConflictError, NotFoundError, ValidationFailed
from order_core.partners.models import Partner
from order_core.tx import transactional
from order_core.types import utcnow


def derived_values(customer: EndCustomer | None, values: CustomerValues) -> CustomerValues:
    """``values`` with the dedupe keys they give ``customer`` (None: a new customer); no change made."""
    email = values.get("email", customer.email if customer is not None else None)
    domain = values.get("domain", customer.domain if customer is not None else None)
    return {
        **values,
        "email_normalized": normalize_email(email),
        "domain": dedupe_domain(domain, email),
    }


def apply_values(customer: EndCustomer, values: CustomerValues) -> None:
    """Set cleaned values on a customer and recompute its dedupe keys."""
    for key, value in derived_values(customer, values).items():
        if getattr(customer, key) != value:  # setting unchanged values costs a validation each
            setattr(customer, key, value)


def _target_partner(session: Session, actor: Actor, partner_id: int | None) -> int | None:
    scope = partner_scope(actor, partner_id)
    if scope is not None and session.get(Partner, scope) is None:
        raise NotFoundError(f"partner {scope} not found")
    return scope


@transactional
def create_customer(
    values: Mapping[str, str | None],
    *,
    session: Session,
    actor: Actor,
    partner_id: int | None = None,
    origin: str = "manual",
) -> tuple[EndCustomer, bool]:
    """Create an end customer, or return the existing one it duplicates (CRM id, email or domain).

    Returns ``(customer, created)``. With a partner (a partner actor always uses its own) the
    customer is associated with that partner. An existing customer's data is never overwritten here.
    """
    scope = _target_partner(session, actor, partner_id)
    cleaned = clean_values(values)
    problems = check_values(f"end customer {cleaned.get('name') or '?'}", cleaned)
    if problems:
        raise ValidationFailed("end customer is not valid", problems)
    existing = find_duplicate(session, cleaned)
    created = existing is None
    if existing is None:
        customer = EndCustomer(name=cleaned["name"] or "")
        apply_values(customer, cleaned)
        session.add(customer)
        session.flush()
        record_audit(
            session,
            actor,
            "create",
            "end_customer",
            customer.id,
            {k: v for k, v in customer.model_dump().items() if k in CUSTOMER_FIELDS},
            partner_id=scope,
        )
    else:
        customer = existing
    if scope is not None:
        assert customer.id is not None
        associate_customer(session, customer.id, scope, origin, actor=actor)
    return customer, created


def _ensure_unique(session: Session, customer: EndCustomer) -> None:
    index = DedupeIndex.load(
        session,
        [
            {
                "email": customer.email,
                "domain": customer.domain,
                "crm_source": customer.crm_source,
                "crm_id": customer.crm_id,
            }
        ],
    )
    for key, other in (
        ("crm_id", index.by_crm.get((customer.crm_source or "", customer.crm_id or ""))),
        ("email", index.by_email.get(customer.email_normalized or "")),
        ("domain", index.by_domain.get(customer.domain or "")),
    ):
        if other is not None and other.id != customer.id:
            raise ConflictError(
                f"end customer {customer.name}: {key} is already used by end customer {other.id}; "
                "merge the two or use another value"
            )


@transactional
def update_customer(
    customer_id: int, changes: Mapping[str, str | None], *, session: Session, actor: Actor
) -> EndCustomer:
    """Edit an end customer the actor may see; the dedupe keys must stay unique."""
    customer = visible_customer(session, actor, customer_id)
    cleaned = clean_values(changes)
    problems = check_values(f"end customer {customer.id}", cleaned, partial=True)
    if problems:
        raise ValidationFailed(f"end customer {customer.id} is not valid", problems)
    before = customer.model_dump()
    apply_values(customer, cleaned)
    merged = {k: getattr(customer, k) for k in ("crm_source", "crm_id")}
    if (merged["crm_source"] is None) != (merged["crm_id"] is None):
        raise ValidationFailed(
            f"end customer {customer.id} is not valid",
            check_values(f"end customer {customer.id}", merged),
        )
    delta = diff(before, customer.model_dump())
    if delta:
        _ensure_unique(session, customer)
        customer.updated_at = utcnow()
        session.add(customer)
        record_audit(
            session,
            actor,
            "update",
            "end_customer",
            customer_id,
            delta,
            partner_id=actor.partner_id,
        )
    return customer


@transactional
def get_customer(customer_id: int, *, session: Session, actor: Actor) -> EndCustomer:
    """One end customer the actor may see (partners: customers associated with them)."""
    return visible_customer(session, actor, customer_id)


@transactional
def list_customers(
    *, session: Session, actor: Actor, partner_id: int | None = None
) -> list[EndCustomer]:
    """End customers by name: all (vendor) or those associated with a partner (a partner: its own)."""
    scope = partner_scope(actor, partner_id)
    stmt = select(EndCustomer).order_by(col(EndCustomer.name), col(EndCustomer.id))
    if scope is not None:
        stmt = stmt.join(
            CustomerAssociation, col(CustomerAssociation.customer_id) == col(EndCustomer.id)
        ).where(CustomerAssociation.partner_id == scope)
    return list(session.exec(stmt))
