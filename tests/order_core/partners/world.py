"""A small channel world built through the services: programs, partners, buyers, products, rules, customers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlmodel import Session

from order_core.actors import Actor
from order_core.catalog.authorization import add_authorization_rule
from order_core.catalog.models import Product
from order_core.catalog.products import create_product, set_list_price
from order_core.customers.models import EndCustomer
from order_core.customers.services import create_customer
from order_core.partners.buyers import add_buyer, buyer_actor
from order_core.partners.models import Buyer, Partner, Program
from order_core.partners.programs import add_membership, create_program
from order_core.partners.services import create_partner

VENDOR = Actor.vendor("admin@vendor.example")


@dataclass
class World:
    """Handles on everything ``build_world`` made."""

    reseller_program: Program
    dist_program: Program
    a: Partner
    b: Partner
    dist: Partner
    a_admin: Actor
    a_buyer: Actor
    b_admin: Actor
    b_buyer: Actor
    products: dict[str, Product]
    customer_a: EndCustomer
    customer_b: EndCustomer


def pid(record: Partner | Program | Product | EndCustomer) -> int:
    """The id of a flushed record (typed)."""
    assert record.id is not None
    return record.id


def pid_b(buyer: Buyer) -> int:
    """The id of a flushed buyer (typed)."""
    assert buyer.id is not None
    return buyer.id


def build_world(session: Session) -> World:
    """Build the world with the vendor admin and the partners' own buyers."""
    s, v = session, VENDOR
    res = create_program(
        "RESELLER",
        "Reseller Program",
        session=s,
        actor=v,
        customer_info_required=True,
        required_customer_fields=["name", "email", "country"],
    )
    dist_prog = create_program("DIST", "Distributor Program", session=s, actor=v)
    a = create_partner("Alpha Partners", session=s, actor=v, tier="Gold")
    b = create_partner(
        "Beta Partners",
        session=s,
        actor=v,
        tier="Silver",
        country="DE",
        currency="EUR",
        locale="de_DE",
    )
    dist = create_partner(
        "Delta Distribution", session=s, actor=v, kind="distributor", tier="Platinum"
    )
    for partner, program in ((a, res), (b, res), (dist, dist_prog)):
        add_membership(pid(partner), pid(program), session=s, actor=v, starts_on=date(2026, 1, 1))
    a_admin = add_buyer(
        pid(a), "Admin@Alpha.example", "Ann Admin", session=s, actor=v, role="admin"
    )
    a_buyer = add_buyer(
        pid(a), "bob@alpha.example", "Bob Buyer", session=s, actor=v, spending_limit=Decimal("5000")
    )
    b_admin = add_buyer(pid(b), "admin@beta.example", "Bea Admin", session=s, actor=v, role="admin")
    b_buyer = add_buyer(pid(b), "carl@beta.example", "Carl Buyer", session=s, actor=v)
    products: dict[str, Product] = {}
    for sku, name, family, kind, license_type in (
        ("CS-PLA-001", "Platform Subscription 1", "Platform", "subscription", "named_user"),
        ("CS-PLA-002", "Platform License 2", "Platform", "perpetual", "device"),
        ("CS-SEC-001", "Security Subscription 1", "Security", "subscription", None),
        ("CS-ANA-002", "Analytics License 2", "Analytics", "perpetual", None),
    ):
        product = create_product(
            sku,
            name,
            session=s,
            actor=v,
            category=family,
            product_group=f"{family} Suite",
            kind=kind,
            term_months=12 if kind == "subscription" else None,
            license_type=license_type,
        )
        set_list_price(pid(product), "USD", Decimal("100.00"), session=s, actor=v)
        products[sku] = product
    add_authorization_rule(
        session=s, actor=v, program_id=pid(res), effect="allow", scope="category", value="Platform"
    )
    add_authorization_rule(
        session=s, actor=v, program_id=pid(res), effect="allow", scope="sku", value="CS-SEC-001"
    )
    add_authorization_rule(
        session=s, actor=v, program_id=pid(res), effect="deny", scope="sku", value="CS-PLA-002"
    )
    add_authorization_rule(
        session=s, actor=v, partner_id=pid(b), effect="allow", scope="sku", value="CS-PLA-002"
    )
    add_authorization_rule(
        session=s, actor=v, program_id=pid(dist_prog), effect="allow", scope="all"
    )
    a_admin_actor = buyer_actor(s, pid_b(a_admin))
    a_buyer_actor = buyer_actor(s, pid_b(a_buyer))
    b_admin_actor = buyer_actor(s, pid_b(b_admin))
    b_buyer_actor = buyer_actor(s, pid_b(b_buyer))
    customer_a, _ = create_customer(
        {"name": "Acme Corp", "email": "it@acme.example", "country": "US"},
        session=s,
        actor=a_buyer_actor,
    )
    customer_b, _ = create_customer(
        {"name": "Globex GmbH", "email": "einkauf@globex.example", "country": "DE"},
        session=s,
        actor=b_buyer_actor,
    )
    return World(
        res,
        dist_prog,
        a,
        b,
        dist,
        a_admin_actor,
        a_buyer_actor,
        b_admin_actor,
        b_buyer_actor,
        products,
        customer_a,
        customer_b,
    )
