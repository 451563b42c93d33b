"""Partner companies: create, update, list and get; CRM references; reseller <-> distributor relations."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlmodel import Session, col, select

from order_core.actors import Actor, partner_scope, require_partner_access, require_vendor
from order_core.audit import diff, record_audit
from order_core.edits import apply_edits
from order_core.errors import ConflictError, NotFoundError, Problem, ValidationFailed, invalid
from order_core.money import currency_problem
from order_core.partners.models import DistributorRelation, Partner, PartnerCrmRef
from order_core.tx import transactional
from order_core.types import utcnow

PARTNER_KINDS = ("reseller", "distributor")
TIERS = ("Registered", "Silver", "Gold", "Platinum")
_EDITABLE = ("name", "kind", "tier", "country", "currency", "locale", "active")


@dataclass(slots=True)
class PartnerValues:
    """The values ``check_partner`` reads, without a ``Partner`` (building one to check a pulled
    CRM record costs about 100 us)."""

    name: str
    kind: str
    tier: str
    country: str
    currency: str
    locale: str


def check_partner(partner: Partner | PartnerValues) -> None:
    """Raise ValidationFailed naming every problem of a partner's values."""
    where = f"partner {partner.name or '?'}"
    problems: list[Problem] = []
    if not partner.name.strip():
        problems.append(Problem(where, "name", "is empty"))
    if partner.kind not in PARTNER_KINDS:
        problems.append(Problem(where, "kind", f"must be one of {list(PARTNER_KINDS)}"))
    if partner.tier not in TIERS:
        problems.append(Problem(where, "tier", f"must be one of {list(TIERS)}"))
    if len(partner.country) != 2 or not partner.country.isupper():
        problems.append(Problem(where, "country", "must be an ISO 3166 alpha-2 code, e.g. US"))
    if (problem := currency_problem(where, partner.currency)) is not None:
        problems.append(problem)
    if not partner.locale.strip():
        problems.append(Problem(where, "locale", "is empty; e.g. en_US"))
    if problems:
        raise ValidationFailed(f"{where} is not valid", problems)


def load_partner(session: Session, actor: Actor, partner_id: int) -> Partner:
    """The partner if the actor may see it, else NotFoundError (for other services)."""
    require_partner_access(actor, partner_id, what=f"partner {partner_id}")
    partner = session.get(Partner, partner_id)
    if partner is None:
        raise NotFoundError(f"partner {partner_id} not found")
    return partner


@transactional
def create_partner(
    name: str,
    *,
    session: Session,
    actor: Actor,
    kind: str = "reseller",
    tier: str = "Registered",
    country: str = "US",
    currency: str = "USD",
    locale: str = "en_US",
) -> Partner:
    """Create a reseller or distributor company (vendor admin)."""
    require_vendor(actor, action="create partners")
    partner = Partner(
        name=name.strip(), kind=kind, tier=tier, country=country, currency=currency, locale=locale
    )
    check_partner(partner)
    session.add(partner)
    session.flush()
    record_audit(
        session,
        actor,
        "create",
        "partner",
        partner.id,
        partner.model_dump(),
        partner_id=partner.id,
    )
    return partner


@transactional
def update_partner(
    partner_id: int, changes: dict[str, object], *, session: Session, actor: Actor
) -> Partner:
    """Change a partner's name, kind, tier, country, currency, locale or active flag (vendor admin)."""
    require_vendor(actor, action="update partners")
    partner = load_partner(session, actor, partner_id)
    delta = apply_edits(
        partner, changes, _EDITABLE, label=f"partner {partner.name}", validate=check_partner
    )
    if delta:
        partner.updated_at = utcnow()
        session.add(partner)
        record_audit(session, actor, "update", "partner", partner_id, delta, partner_id=partner_id)
    return partner


@transactional
def get_partner(partner_id: int, *, session: Session, actor: Actor) -> Partner:
    """One partner; a partner actor may only get its own company."""
    return load_partner(session, actor, partner_id)


@transactional
def list_partners(
    *, session: Session, actor: Actor, kind: str | None = None, include_inactive: bool = False
) -> list[Partner]:
    """Partners by name; a partner actor gets only its own company."""
    stmt = select(Partner).order_by(col(Partner.name), col(Partner.id))
    scope = partner_scope(actor, None)
    if scope is not None:
        stmt = stmt.where(Partner.id == scope)
    if kind is not None:
        stmt = stmt.where(Partner.kind == kind)
    if not include_inactive:
        stmt = stmt.where(col(Partner.active).is_(True))
    return list(session.exec(stmt))


@transactional
def set_crm_ref(
    partner_id: int, source: str, crm_id: str, *, session: Session, actor: Actor
) -> PartnerCrmRef:
    """Record (or change) the partner's id in one CRM / PRM ``source``."""
    require_vendor(actor, action="change CRM references")
    load_partner(session, actor, partner_id)
    if not source.strip() or not crm_id.strip():
        raise invalid(
            f"CRM reference of partner {partner_id}", "crm_id", "source and id are required"
        )
    taken = session.exec(
        select(PartnerCrmRef).where(PartnerCrmRef.source == source, PartnerCrmRef.crm_id == crm_id)
    ).first()
    if taken is not None and taken.partner_id != partner_id:
        raise ConflictError(
            f"{source} id {crm_id} already belongs to partner {taken.partner_id}; remove it there first"
        )
    ref = session.exec(
        select(PartnerCrmRef).where(
            PartnerCrmRef.partner_id == partner_id, PartnerCrmRef.source == source
        )
    ).first()
    old = ref.crm_id if ref is not None else None
    if ref is None:
        ref = PartnerCrmRef(partner_id=partner_id, source=source, crm_id=crm_id)
    elif ref.crm_id == crm_id:
        return ref
    ref.crm_id = crm_id
    session.add(ref)
    session.flush()
    record_audit(
        session,
        actor,
        "set_crm_ref",
        "partner",
        partner_id,
        {f"crm_{source}": [old, crm_id]},
        partner_id=partner_id,
    )
    return ref


@transactional
def crm_refs(partner_id: int, *, session: Session, actor: Actor) -> dict[str, str]:
    """The partner's CRM ids as ``{source: crm_id}``."""
    load_partner(session, actor, partner_id)
    rows = session.exec(select(PartnerCrmRef).where(PartnerCrmRef.partner_id == partner_id))
    return {r.source: r.crm_id for r in rows}


def find_partner_by_crm_ref(session: Session, source: str, crm_id: str) -> Partner | None:
    """The partner known in ``source`` as ``crm_id`` (for the sync; no access check)."""
    stmt = (
        select(Partner)
        .join(PartnerCrmRef, col(PartnerCrmRef.partner_id) == col(Partner.id))
        .where(PartnerCrmRef.source == source, PartnerCrmRef.crm_id == crm_id)
    )
    return session.exec(stmt).first()


@transactional
def link_distributor(
    reseller_id: int,
    distributor_id: int,
    *,
    session: Session,
    actor: Actor,
    is_default: bool = True,
    terms_percent_off: Decimal | None = None,
    starts_on: date | None = None,
    ends_on: date | None = None,
) -> DistributorRelation:
    """Let a reseller buy through a distributor (create or change the relation; vendor admin)."""
    require_vendor(actor, action="link resellers to distributors")
    reseller = load_partner(session, actor, reseller_id)
    distributor = load_partner(session, actor, distributor_id)
    where = f"relation {reseller.name} -> {distributor.name}"
    if reseller.kind != "reseller":
        raise invalid(where, "reseller_id", f"partner {reseller_id} is a {reseller.kind}")
    if distributor.kind != "distributor":
        raise invalid(where, "distributor_id", f"partner {distributor_id} is a {distributor.kind}")
    if terms_percent_off is not None and not (Decimal(0) <= terms_percent_off <= Decimal(100)):
        raise invalid(where, "terms_percent_off", "must be between 0 and 100")
    rel = session.exec(
        select(DistributorRelation).where(
            DistributorRelation.reseller_id == reseller_id,
            DistributorRelation.distributor_id == distributor_id,
        )
    ).first()
    before = rel.model_dump() if rel is not None else {}
    if rel is None:
        rel = DistributorRelation(reseller_id=reseller_id, distributor_id=distributor_id)
    rel.is_default = is_default
    rel.terms_percent_off = terms_percent_off
    rel.starts_on = starts_on
    rel.ends_on = ends_on
    if is_default:
        for other in session.exec(
            select(DistributorRelation).where(
                DistributorRelation.reseller_id == reseller_id,
                DistributorRelation.distributor_id != distributor_id,
                col(DistributorRelation.is_default).is_(True),
            )
        ):
            other.is_default = False
            session.add(other)
    session.add(rel)
    session.flush()
    delta = diff(before, rel.model_dump())
    if delta:
        record_audit(
            session,
            actor,
            "link_distributor",
            "partner",
            reseller_id,
            delta,
            partner_id=reseller_id,
        )
    return rel


@transactional
def distributors_of(
    reseller_id: int, *, session: Session, actor: Actor
) -> list[DistributorRelation]:
    """The distributors a reseller buys through (default first)."""
    load_partner(session, actor, reseller_id)
    stmt = (
        select(DistributorRelation)
        .where(DistributorRelation.reseller_id == reseller_id)
        .order_by(col(DistributorRelation.is_default).desc(), col(DistributorRelation.id))
    )
    return list(session.exec(stmt))
