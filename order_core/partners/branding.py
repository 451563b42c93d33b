"""A partner's branding on documents (display name, embedded logo, colours): a reseller's own, a distributor's co-branding."""

from __future__ import annotations

import re

from sqlmodel import Session, select

from order_core.actors import Actor, require_partner_role
from order_core.audit import diff, record_audit
from order_core.errors import NotFoundError, Problem, ValidationFailed
from order_core.partners.models import BrandingProfile
from order_core.partners.services import load_partner
from order_core.tx import transactional
from quote_engine.documents.images import logo_data_uri

_COLOR = re.compile(r"^#[0-9A-Fa-f]{6}$")


@transactional
def set_branding(
    distributor_id: int,
    *,
    session: Session,
    actor: Actor,
    display_name: str,
    logo_url: str | None = None,
    primary_color: str = "#1F3A93",
    secondary_color: str = "#F5F7FA",
    footer_text: str | None = None,
    logo: bytes | None = None,
) -> BrandingProfile:
    """Create or change a partner's branding (vendor admin or the partner's own admin).

    ``logo`` is the image itself (PNG, JPEG, GIF or SVG), stored embedded; documents show it and
    never fetch ``logo_url``. Without a logo, documents show the display name. A reseller's
    branding heads the documents it issues; a distributor's co-brands its resellers' documents.
    """
    require_partner_role(actor, distributor_id, "admin", action="change branding")
    partner = load_partner(session, actor, distributor_id)
    where = f"branding of {partner.name}"
    problems: list[Problem] = []
    embedded: str | None = None
    if logo is not None:
        try:
            embedded = logo_data_uri(logo)
        except ValueError as exc:
            problems.append(Problem(where, "logo", str(exc)))
    if not display_name.strip():
        problems.append(Problem(where, "display_name", "is empty"))
    for field, value in (("primary_color", primary_color), ("secondary_color", secondary_color)):
        if not _COLOR.match(value):
            problems.append(Problem(where, field, f"{value!r} is not a colour like #1F3A93"))
    if logo_url is not None and not logo_url.startswith(("https://", "http://")):
        problems.append(Problem(where, "logo_url", "must be an http(s) URL"))
    if problems:
        raise ValidationFailed(f"{where} is not valid", problems)
    profile = session.exec(
        select(BrandingProfile).where(BrandingProfile.distributor_id == distributor_id)
    ).first()
    before = profile.model_dump() if profile is not None else {}
    if profile is None:
        profile = BrandingProfile(distributor_id=distributor_id, display_name=display_name)
    profile.display_name = display_name
    profile.logo_url = logo_url
    profile.logo = embedded
    profile.primary_color = primary_color
    profile.secondary_color = secondary_color
    profile.footer_text = footer_text
    session.add(profile)
    session.flush()
    delta = diff(before, profile.model_dump())
    if delta:
        record_audit(
            session,
            actor,
            "set_branding",
            "partner",
            distributor_id,
            delta,
            partner_id=distributor_id,
        )
    return profile


def branding_of(session: Session, distributor_id: int) -> BrandingProfile | None:
    """The partner's branding, or None (for document rendering; no access check)."""
    return session.exec(
        select(BrandingProfile).where(BrandingProfile.distributor_id == distributor_id)
    ).first()


@transactional
def get_branding(distributor_id: int, *, session: Session, actor: Actor) -> BrandingProfile:
    """A distributor's branding profile; NotFoundError when it has none."""
    load_partner(session, actor, distributor_id)
    profile = branding_of(session, distributor_id)
    if profile is None:
        raise NotFoundError(f"branding of partner {distributor_id} not found; set it first")
    return profile
