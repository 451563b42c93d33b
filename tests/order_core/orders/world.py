"""A small channel for order tests: two partners, buyers, products, prices, rules, a credit line."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlmodel import Session, col, select

from order_core.actors import Actor
from order_core.catalog.models import AuthorizationRule, BuyPrice, ListPrice, Product
from order_core.credit.models import CreditLine
from order_core.customers.models import EndCustomer
from order_core.orders.models import Order, OrderStatusChange
from order_core.outbox import OutboxEvent
from order_core.partners.buyers import buyer_actor
from order_core.partners.models import Buyer, Partner, Program, ProgramMembership
from order_core.payments.models import PaymentMethodRule

VENDOR = Actor.vendor("ops@vendor.example", "admin")
CREDIT = Actor.vendor("credit@vendor.example", "credit_controller")
SYSTEM = Actor.system("tests")


@dataclass
class World:
    """Ids of what :func:`make_world` created."""

    partner_a: int
    partner_b: int
    program: int
    buyer: int
    buyer2: int
    approver: int
    admin: int
    buyer_b: int
    customer: int
    customer_b: int
    products: dict[str, int]

    def actor(self, session: Session, buyer_id: int) -> Actor:
        """The partner actor of a buyer."""
        return buyer_actor(session, buyer_id)


def _id(value: int | None) -> int:
    assert value is not None
    return value


def make_world(session: Session, *, credit_limit: Decimal = Decimal("100000")) -> World:
    """Create the channel and return its ids."""
    program = Program(code="RESELLER", name="Reseller")
    a = Partner(name="Alpha Resellers", country="US", currency="USD", locale="en_US", tier="Gold")
    b = Partner(name="Beta Partners", country="GB", currency="GBP", locale="en_GB")
    session.add_all([program, a, b])
    session.flush()
    pa, pb, prog = _id(a.id), _id(b.id), _id(program.id)
    for pid in (pa, pb):
        session.add(ProgramMembership(partner_id=pid, program_id=prog, starts_on=date(2020, 1, 1)))
    buyers = [
        Buyer(
            partner_id=pa,
            email="buyer@alpha.example",
            name="Ann Buyer",
            role="buyer",
            spending_limit=Decimal("5000"),
        ),
        Buyer(partner_id=pa, email="buyer2@alpha.example", name="Bob Buyer", role="buyer"),
        Buyer(partner_id=pa, email="approver@alpha.example", name="Ada Approver", role="approver"),
        Buyer(partner_id=pa, email="admin@alpha.example", name="Al Admin", role="admin"),
        Buyer(partner_id=pb, email="buyer@beta.example", name="Bea Buyer", role="buyer"),
    ]
    session.add_all(buyers)
    products = [
        Product(sku="LIC-1", name="Analytics Suite", category="software", license_type="named"),
        Product(
            sku="SUB-1",
            name="Cloud Backup",
            category="software",
            kind="subscription",
            term_months=12,
            license_type="subscription",
        ),
        Product(sku="HW-1", name="Appliance", category="hardware"),
        Product(sku="DENY-1", name="Internal Tool", category="internal"),
    ]
    session.add_all(products)
    session.flush()
    prices = {"LIC-1": "100", "SUB-1": "50", "HW-1": "200", "DENY-1": "10"}
    for p in products:
        for ccy, factor in (("USD", Decimal(1)), ("GBP", Decimal("0.8"))):
            session.add(
                ListPrice(
                    product_id=_id(p.id), currency=ccy, amount=Decimal(prices[p.sku]) * factor
                )
            )
    session.add(
        AuthorizationRule(program_id=prog, effect="allow", scope="category", value="software")
    )
    session.add(
        AuthorizationRule(program_id=prog, effect="allow", scope="category", value="hardware")
    )
    session.add(BuyPrice(program_id=prog, percent_off=Decimal("20")))
    session.add(CreditLine(partner_id=pa, currency="USD", credit_limit=credit_limit))
    session.add(CreditLine(partner_id=pb, currency="GBP", credit_limit=Decimal("50000")))
    session.add(PaymentMethodRule(method="credit_line", countries="GB,US", currencies="GBP,USD"))
    session.add(PaymentMethodRule(method="purchase_order", countries="US", currencies="USD"))
    session.add(PaymentMethodRule(method="card", countries="GB", currencies="GBP"))
    c = EndCustomer(
        name="Acme Corp",
        email="it@acme.example",
        email_normalized="it@acme.example",
        country="US",
        region="CA",
    )
    cb = EndCustomer(name="Globex Ltd", email="ops@globex.example", country="GB")
    session.add_all([c, cb])
    session.commit()
    return World(
        partner_a=pa,
        partner_b=pb,
        program=prog,
        buyer=_id(buyers[0].id),
        buyer2=_id(buyers[1].id),
        approver=_id(buyers[2].id),
        admin=_id(buyers[3].id),
        buyer_b=_id(buyers[4].id),
        customer=_id(c.id),
        customer_b=_id(cb.id),
        products={p.sku: _id(p.id) for p in products},
    )


def history_of(session: Session, order: Order) -> list[tuple[str | None, str]]:
    """The order's status history as (from, to) pairs, oldest first."""
    rows = session.exec(
        select(OrderStatusChange)
        .where(OrderStatusChange.order_id == order.id)
        .order_by(col(OrderStatusChange.id))
    ).all()
    return [(h.from_status, h.to_status) for h in rows]


def events_of(session: Session, order: Order) -> list[OutboxEvent]:
    """The outbox events of the order, in the order they were written."""
    stmt = (
        select(OutboxEvent)
        .where(OutboxEvent.aggregate_id == order.number)
        .order_by(col(OutboxEvent.id))
    )
    return list(session.exec(stmt).all())
