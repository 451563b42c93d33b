"""A partner as documents print it: its party block (name, full address, tax id) and its brand."""

from __future__ import annotations

from sqlmodel import Session

from order_core.partners.branding import branding_of
from order_core.partners.details import details_of
from order_core.partners.models import Partner, PartnerDetails
from quote_engine.documents import Brand, Party


def address_lines(
    address: str | None,
    postal_code: str | None,
    city: str | None,
    region: str | None,
    country: str | None,
) -> tuple[str, ...]:
    """Postal address lines: street (one line per line given), ``postal code city region``, country."""
    place = " ".join(p for p in (postal_code, city, region) if p)
    street = tuple(line.strip() for line in (address or "").splitlines() if line.strip())
    return tuple(p for p in (*street, place, country) if p)


def partner_party(session: Session, partner: Partner) -> Party:
    """The partner as seller, issuer or bill-to: name, full address, e-mail and tax id."""
    assert partner.id is not None
    details = details_of(session, partner.id) or PartnerDetails(partner_id=partner.id)
    return Party(
        name=partner.name,
        address_lines=address_lines(
            details.address, details.postal_code, details.city, details.region, partner.country
        ),
        email=details.email,
        country=partner.country,
        tax_id=details.tax_id,
    )


def partner_brand(session: Session, partner_id: int | None) -> Brand | None:
    """The partner's brand for a document (embedded logo or none: never a URL), or None."""
    profile = branding_of(session, partner_id) if partner_id is not None else None
    if profile is None:
        return None
    return Brand(
        display_name=profile.display_name,
        logo=profile.logo,
        primary_color=profile.primary_color,
        secondary_color=profile.secondary_color,
        footer_text=profile.footer_text,
    )


def payment_terms_days(session: Session, partner_id: int, default: int) -> int:
    """Days the partner gives its customers to pay (its details), else ``default``."""
    details = details_of(session, partner_id)
    if details is None or details.payment_terms_days is None:
        return default
    return details.payment_terms_days
