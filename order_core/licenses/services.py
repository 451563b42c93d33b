"""Issuing licenses at order acceptance (and subscription records), and reading them per order / customer."""

from __future__ import annotations

import calendar
from datetime import date

from sqlmodel import Session, col, select

from order_core.actors import Actor, require_partner_access
from order_core.audit import record_audit
from order_core.catalog.models import Product
from order_core.customers.models import CustomerAssociation, EndCustomer
from order_core.errors import NotFoundError
from order_core.licenses.keys import (
    LicenseClaims,
    LicenseKeyFormat,
    make_license_key,
    verify_license_key,
)
from order_core.licenses.models import License, Subscription, SubscriptionTerm
from order_core.orders.access import load_order
from order_core.orders.cart import order_lines
from order_core.orders.models import Order
from order_core.settings import get_settings
from order_core.tx import transactional
from order_core.types import utcnow

_format: list[LicenseKeyFormat] = []


def use_key_format(fmt: LicenseKeyFormat | None) -> None:
    """Configure the key format new keys use (None: the default ``CS-XXXXX-...``)."""
    _format.clear()
    if fmt is not None:
        _format.append(fmt)


def key_format() -> LicenseKeyFormat:
    """The configured key format."""
    return _format[0] if _format else LicenseKeyFormat()


def add_months(day: date, months: int) -> date:
    """``day`` plus ``months`` calendar months (clamped to the month's last day)."""
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def issue_licenses(session: Session, order: Order, actor: Actor) -> list[License]:
    """Issue a key per licensed line and a subscription per subscription line (inside acceptance)."""
    assert order.id is not None
    lines = order_lines(session, order.id)
    products = {
        p.id: p
        for p in session.exec(
            select(Product).where(col(Product.id).in_([ln.product_id for ln in lines]))
        )
    }
    secret = get_settings().license_signing_key
    start = utcnow().date()
    issued: list[License] = []
    # Lines renewing a subscription or adding seats to it extend that subscription instead.
    extending = set(
        session.exec(
            select(SubscriptionTerm.order_line_id).where(SubscriptionTerm.order_id == order.id)
        )
    )
    for ln in lines:
        if ln.id in extending:
            continue
        product = products[ln.product_id]
        end = add_months(start, product.term_months) if product.term_months else None
        lic: License | None = None
        if product.license_type:
            key, serial = make_license_key(
                secret, sku=product.sku, seats=ln.quantity, expires_on=end, fmt=key_format()
            )
            lic = License(
                key=key,
                serial=serial,
                order_id=order.id,
                order_line_id=ln.id or 0,
                partner_id=order.partner_id,
                end_customer_id=order.end_customer_id,
                product_id=ln.product_id,
                sku=ln.sku,
                license_type=product.license_type,
                seats=ln.quantity,
                term_start=start,
                term_end=end,
            )
            session.add(lic)
            session.flush()
            issued.append(lic)
            record_audit(
                session,
                actor,
                "issue",
                "license",
                lic.serial,
                {"order": order.number, "sku": ln.sku, "seats": ln.quantity},
                partner_id=order.partner_id,
            )
        if product.kind == "subscription":
            session.add(
                Subscription(
                    order_id=order.id,
                    order_line_id=ln.id or 0,
                    product_id=ln.product_id,
                    sku=ln.sku,
                    end_customer_id=order.end_customer_id,
                    reseller_id=order.partner_id,
                    distributor_id=order.distributor_id,
                    license_id=lic.id if lic else None,
                    seats=ln.quantity,
                    term_start=start,
                    term_end=end or add_months(start, 12),
                    term_months=product.term_months or 12,
                    currency=order.currency,
                    unit_price=ln.unit_net,
                    resale_unit_price=ln.unit_list,  # the resale default; a quote's replaces it
                )
            )
    return issued


def rekey_license(session: Session, lic: License, *, seats: int, term_end: date | None) -> None:
    """Give a license a new key for new seats or a new end date, keeping its serial."""
    key, _ = make_license_key(
        get_settings().license_signing_key,
        sku=lic.sku,
        seats=seats,
        expires_on=term_end,
        fmt=key_format(),
        serial=bytes.fromhex(lic.serial),
    )
    lic.key, lic.seats, lic.term_end = key, seats, term_end
    session.add(lic)


def _undo_terms(session: Session, order: Order) -> None:
    """A cancelled renewal or add-on order: its subscription ends as before, with its seats before."""
    terms = session.exec(select(SubscriptionTerm).where(SubscriptionTerm.order_id == order.id))
    for term in list(terms):
        sub = session.get(Subscription, term.subscription_id)
        if sub is None:
            continue
        if term.kind == "renewal" and sub.term_end == term.term_end:
            sub.term_end = term.term_start
            sub.term_start = add_months(term.term_start, -sub.term_months)
        elif term.kind == "add_seats" and sub.term_end == term.term_end:
            sub.seats = max(sub.seats - term.seats, 1)
        session.add(sub)
        lic = session.get(License, sub.license_id) if sub.license_id is not None else None
        if lic is not None and lic.status == "active":
            rekey_license(session, lic, seats=sub.seats, term_end=sub.term_end)
        session.delete(term)


def revoke_order_licenses(session: Session, order: Order, actor: Actor) -> int:
    """Revoke the order's licenses and cancel its subscriptions (order cancelled after acceptance)."""
    count = 0
    for lic in session.exec(select(License).where(License.order_id == order.id)):
        lic.status = "revoked"
        session.add(lic)
        count += 1
    for sub in session.exec(select(Subscription).where(Subscription.order_id == order.id)):
        sub.status = "cancelled"
        session.add(sub)
    _undo_terms(session, order)
    if count:
        record_audit(
            session,
            actor,
            "revoke",
            "order_licenses",
            order.number,
            {"count": count},
            partner_id=order.partner_id,
        )
    return count


@transactional
def licenses_for_order(number: str, *, session: Session, actor: Actor) -> list[License]:
    """The licenses issued on an order (partner-scoped)."""
    order = load_order(session, actor, number)
    stmt = select(License).where(License.order_id == order.id).order_by(col(License.id))
    return list(session.exec(stmt))


@transactional
def subscriptions_for_order(number: str, *, session: Session, actor: Actor) -> list[Subscription]:
    """The subscription records created by an order."""
    order = load_order(session, actor, number)
    stmt = (
        select(Subscription).where(Subscription.order_id == order.id).order_by(col(Subscription.id))
    )
    return list(session.exec(stmt))


@transactional
def licenses_for_customer(end_customer_id: int, *, session: Session, actor: Actor) -> list[License]:
    """An end customer's licenses; a partner sees only those bought through it, and only its customers."""
    if session.get(EndCustomer, end_customer_id) is None:
        raise NotFoundError(f"end customer {end_customer_id} not found")
    stmt = select(License).where(License.end_customer_id == end_customer_id)
    if not actor.is_vendor_side:
        assert actor.partner_id is not None
        linked = session.exec(
            select(CustomerAssociation).where(
                CustomerAssociation.customer_id == end_customer_id,
                CustomerAssociation.partner_id == actor.partner_id,
            )
        ).first()
        if linked is None:
            raise NotFoundError(f"end customer {end_customer_id} not found")
        stmt = stmt.where(License.partner_id == actor.partner_id)
    return list(session.exec(stmt.order_by(col(License.id))))


@transactional
def verify_license(key: str, *, session: Session, actor: Actor) -> tuple[LicenseClaims, License]:
    """Verify a key's signature and find its record; InvalidLicenseKey / NotFoundError otherwise."""
    claims = verify_license_key(key, get_settings().license_signing_key, key_format())
    lic = session.exec(select(License).where(License.serial == claims.serial)).first()
    if lic is None or lic.key != key.strip().upper():
        raise NotFoundError("license not found for this key")
    require_partner_access(actor, lic.partner_id, what="license")
    return claims, lic
