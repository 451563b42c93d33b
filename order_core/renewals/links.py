"""The end customer's renewal link: finding a renewal by reference and token, its state and document.

Each notice carries its own token; only HMACs are stored (``renewal_notice.token_hash``), each
compared in constant time. Every mismatch gives the same NotFoundError, so a link never tells
whether another exists. A valid link keeps working after the renewal closed, to say so plainly.
"""

from __future__ import annotations

import hmac
from datetime import date

from sqlmodel import Session, col, select

from order_core.actors import Actor, require_partner_access
from order_core.catalog.models import Product
from order_core.customers.models import EndCustomer
from order_core.errors import NotFoundError
from order_core.licenses.models import Subscription
from order_core.orders.models import Order
from order_core.partners.documents import partner_brand, partner_party, payment_terms_days
from order_core.partners.models import Partner
from order_core.quotes.document import customer_party
from order_core.quotes.sending import token_hash
from order_core.renewals.models import Renewal, RenewalNotice
from order_core.settings import get_settings
from quote_engine.documents import DocumentLine, QuoteDocument


def renewal_by_link(
    session: Session, actor: Actor, reference: str, token: str, *, lock: bool = False
) -> Renewal:
    """The renewal a link opens (row-locked with ``lock``); NotFoundError otherwise."""
    stmt = select(Renewal).where(Renewal.reference == reference)
    if lock:
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    renewal = session.exec(stmt).first()
    invalid = NotFoundError(f"renewal {reference}: the link is not valid")
    if renewal is None:
        raise invalid
    require_partner_access(actor, renewal.partner_id, what=f"renewal {reference}")
    given = token_hash(token)
    hashes = session.exec(
        select(RenewalNotice.token_hash).where(RenewalNotice.renewal_id == renewal.id)
    )
    matched = False
    for stored in hashes:
        matched = hmac.compare_digest(stored, given) or matched
    if not matched:
        raise invalid
    return renewal


def subscription_label(session: Session, renewal: Renewal) -> str:
    """How the end customer knows the subscription: product name and seats."""
    product = session.get(Product, renewal.product_id)
    name = product.name if product is not None and product.name else renewal.sku
    return f"{name} ({renewal.seats} seats)"


def link_state(session: Session, renewal: Renewal, today: date) -> tuple[str, str]:
    """``open`` / ``renewed`` / ``closed`` and a plain sentence saying what it means."""
    partner = session.get(Partner, renewal.partner_id)
    seller = partner.name if partner is not None else "your reseller"
    sub = session.get(Subscription, renewal.subscription_id)
    order = session.get(Order, renewal.order_id) if renewal.order_id is not None else None
    if renewal.state == "renewed" and order is not None and order.status == "cancelled":
        return "closed", f"The renewal order was cancelled. Contact {seller} to renew."
    if renewal.state == "renewed":
        when = renewal.renewed_at.date().isoformat() if renewal.renewed_at else "earlier"
        return "renewed", (
            f"The subscription was already renewed on {when} by {renewal.renewed_by}, until "
            f"{renewal.new_term_end.isoformat()}."
        )
    if renewal.state == "cancelled" or (sub is not None and sub.status == "cancelled"):
        return "closed", f"The subscription was cancelled. Contact {seller} to buy it again."
    if renewal.state == "lapsed" or renewal.term_end < today:
        return "closed", (
            f"The subscription ended on {renewal.term_end.isoformat()} without renewal. "
            f"Contact {seller} to buy it again."
        )
    return "open", f"You can renew until {renewal.term_end.isoformat()}."


def renewal_document(session: Session, renewal: Renewal) -> QuoteDocument:
    """The end customer's renewal quote: resale prices only, co-branded through a distributor."""
    partner = session.get(Partner, renewal.partner_id)
    assert partner is not None
    customer = (
        session.get(EndCustomer, renewal.end_customer_id) if renewal.end_customer_id else None
    )
    product = session.get(Product, renewal.product_id)
    days = payment_terms_days(session, partner.id or 0, get_settings().invoice_payment_terms_days)
    return QuoteDocument(
        number=renewal.reference,
        issued_on=renewal.created_at.date(),
        valid_until=renewal.term_end,
        locale=partner.locale,
        currency=renewal.currency,
        seller=partner_party(session, partner),
        customer=customer_party(customer) if customer is not None else None,
        lines=(
            DocumentLine(
                line_no=1,
                sku=renewal.sku,
                name=product.name if product is not None else renewal.sku,
                quantity=renewal.seats,
                unit_price=renewal.unit_resale,
                line_total=renewal.resale_total,
            ),
        ),
        total=renewal.resale_total,
        brand=partner_brand(session, renewal.partner_id),
        branding=partner_brand(session, renewal.distributor_id),
        payment_terms=f"Renewal from {renewal.term_end.isoformat()} to "
        f"{renewal.new_term_end.isoformat()}. Prices exclude tax. "
        + (
            f"Payment due {days} days after the invoice date."
            if days
            else "Payment due on receipt."
        ),
    )


def open_renewals(session: Session, subscription_ids: list[int]) -> dict[int, Renewal]:
    """The open renewal of each subscription among ``subscription_ids`` that has one."""
    if not subscription_ids:
        return {}
    stmt = select(Renewal).where(
        col(Renewal.subscription_id).in_(subscription_ids), Renewal.state == "open"
    )
    return {r.subscription_id: r for r in session.exec(stmt)}
