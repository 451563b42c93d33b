"""A small channel for quote tests: reseller, distributor, buyers, catalog, end customer, deal."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlmodel import Session, col, select

from order_core.actors import Actor
from order_core.catalog.models import AuthorizationRule, BuyPrice, ListPrice, Product
from order_core.customers.models import EndCustomer
from order_core.deals.models import Deal
from order_core.outbox import OutboxEvent
from order_core.partners.buyers import buyer_actor
from order_core.partners.models import (
    BrandingProfile,
    Buyer,
    DistributorRelation,
    Partner,
    Program,
    ProgramMembership,
)
from order_core.payments.models import PaymentMethodRule
from order_core.types import utcnow


@dataclass
class World:
    """Ids of the rows a quote test needs, and the actors."""

    reseller: int
    other: int
    distributor: int
    buyer: int
    approver: int
    substitute: int
    other_buyer: int
    customer: int
    deal: int
    sales: Actor
    desk: Actor
    vp: Actor
    admin: Actor
    session: Session

    def actor(self, buyer_id: int) -> Actor:
        """The actor of a buyer."""
        return buyer_actor(self.session, buyer_id)

    def events(self, topic: str) -> list[dict[str, object]]:
        """Payloads of the outbox events of ``topic``, oldest first."""
        rows = self.session.exec(
            select(OutboxEvent).where(OutboxEvent.topic == topic).order_by(col(OutboxEvent.id))
        )
        return [e.data() for e in rows]


def _add(session: Session, row: object) -> int:
    session.add(row)
    session.flush()
    value = row.id  # type: ignore[attr-defined]
    assert isinstance(value, int)
    return value


@pytest.fixture
def world(session: Session) -> Iterator[World]:
    """Reseller (Gold, buys via a branded distributor), another reseller, catalog, customer, deal."""
    today = utcnow().date()
    program = _add(session, Program(code="GOLD", name="Reseller Gold"))
    reseller = _add(session, Partner(name="Acme Resale", tier="Gold", country="US", currency="USD"))
    other = _add(session, Partner(name="Other Resale", country="US", currency="USD"))
    distributor = _add(session, Partner(name="Big Dist", kind="distributor"))
    for partner in (reseller, other):
        session.add(
            ProgramMembership(
                partner_id=partner, program_id=program, starts_on=today - timedelta(days=10)
            )
        )
    session.add(
        DistributorRelation(
            reseller_id=reseller, distributor_id=distributor, terms_percent_off=Decimal("5")
        )
    )
    session.add(
        BrandingProfile(
            distributor_id=distributor,
            display_name="Big <Dist> Europe",
            logo_url="https://cdn.example.com/bigdist.png",
            primary_color="#AA0000",
            footer_text="Distributed by Big Dist",
        )
    )
    approver = _add(
        session, Buyer(partner_id=reseller, email="ann@acme.test", name="Ann", role="approver")
    )
    substitute = _add(
        session, Buyer(partner_id=reseller, email="sam@acme.test", name="Sam", role="approver")
    )
    buyer = _add(
        session,
        Buyer(
            partner_id=reseller, email="bob@acme.test", name="Bob", spending_limit=Decimal("5000")
        ),
    )
    other_buyer = _add(
        session, Buyer(partner_id=other, email="eve@other.test", name="Eve", role="admin")
    )
    for sku, name, category, usd, jpy in (
        ("SW-100", "Suite", "software", "1000.00", "150000"),
        ("HW-200", "Box", "hardware", "250.50", "40000"),
    ):
        product = _add(session, Product(sku=sku, name=name, category=category))
        session.add(ListPrice(product_id=product, currency="USD", amount=Decimal(usd)))
        session.add(ListPrice(product_id=product, currency="JPY", amount=Decimal(jpy)))
    session.add(BuyPrice(program_id=program, percent_off=Decimal("10")))
    session.add(AuthorizationRule(effect="allow", scope="all"))
    session.add(
        AuthorizationRule(partner_id=other, effect="deny", scope="category", value="hardware")
    )
    session.add(PaymentMethodRule(method="purchase_order"))
    customer = _add(
        session,
        EndCustomer(name="Widgets & Co", email="buyer@widgets.test", country="US", city="Austin"),
    )
    deal = _add(
        session,
        Deal(
            source="salesforce",
            crm_id="006A",
            kind="registration",
            partner_id=reseller,
            end_customer_id=customer,
            name="Widgets rollout",
            stage="Proposal",
            currency="USD",
            registration_status="approved",
            registration_expires_on=today + timedelta(days=60),
            registration_discount_percent=Decimal("10"),
            quote_requested=True,
        ),
    )
    session.commit()
    yield World(
        reseller=reseller,
        other=other,
        distributor=distributor,
        buyer=buyer,
        approver=approver,
        substitute=substitute,
        other_buyer=other_buyer,
        customer=customer,
        deal=deal,
        sales=Actor.vendor("sally@vendor.test", "sales_ops"),
        desk=Actor.vendor("dora@vendor.test", "pricing_desk"),
        vp=Actor.vendor("victor@vendor.test", "vp_sales"),
        admin=Actor.vendor("root@vendor.test", "admin"),
        session=session,
    )


def later(days: int) -> date:
    """A date ``days`` from today."""
    return utcnow().date() + timedelta(days=days)
