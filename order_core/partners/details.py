"""The partner details documents print: address, e-mail, tax id, payment terms and instructions."""

from __future__ import annotations

from sqlmodel import Session, select

from order_core.actors import Actor, require_partner_role
from order_core.audit import diff, record_audit
from order_core.edits import apply_edits
from order_core.errors import Problem, ValidationFailed
from order_core.partners.models import PartnerDetails
from order_core.partners.services import load_partner
from order_core.tx import transactional

DETAIL_FIELDS = (
    "address",
    "postal_code",
    "city",
    "region",
    "email",
    "tax_id",
    "payment_terms_days",
    "payment_instructions",
)


def _validate(details: PartnerDetails) -> None:
    where = f"details of partner {details.partner_id}"
    problems: list[Problem] = []
    days = details.payment_terms_days
    if days is not None and not 0 <= days <= 365:
        problems.append(Problem(where, "payment_terms_days", f"{days} is not 0 to 365 days"))
    if details.email is not None and "@" not in details.email:
        problems.append(Problem(where, "email", f"{details.email!r} is not an e-mail address"))
    if problems:
        raise ValidationFailed(f"{where} are not valid", problems)


def details_of(session: Session, partner_id: int) -> PartnerDetails | None:
    """The partner's document details, or None (for rendering; no access check)."""
    return session.exec(
        select(PartnerDetails).where(PartnerDetails.partner_id == partner_id)
    ).first()


@transactional
def set_partner_details(
    partner_id: int, changes: dict[str, object], *, session: Session, actor: Actor
) -> PartnerDetails:
    """Change the given fields of the partner's details (partner admin or vendor admin)."""
    require_partner_role(actor, partner_id, "admin", action="change partner details")
    load_partner(session, actor, partner_id)
    details = details_of(session, partner_id)
    before = details.model_dump() if details is not None else {}
    if details is None:
        details = PartnerDetails(partner_id=partner_id)
    apply_edits(
        details,
        changes,
        DETAIL_FIELDS,
        label=f"details of partner {partner_id}",
        validate=_validate,
    )
    session.add(details)
    session.flush()
    delta = diff(before, details.model_dump())
    if delta:
        record_audit(
            session, actor, "set_details", "partner", partner_id, delta, partner_id=partner_id
        )
    return details
