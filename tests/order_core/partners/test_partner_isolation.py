"""Partner isolation: partner B's admin tries every partner-facing service on partner A's data and fails."""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Callable, Sequence
from datetime import date
from decimal import Decimal

from sqlmodel import Session, select

from order_core.actors import Actor
from order_core.catalog import authorization, buy_prices, products
from order_core.customers import associations, csv_io
from order_core.customers import services as customers
from order_core.deals import services as deals
from order_core.errors import AccessDenied, NotFoundError
from order_core.models import metadata
from order_core.partners import branding, buyers, programs
from order_core.partners import services as partners
from order_core.partners.models import Partner, ProgramMembership
from tests.order_core.partners.world import VENDOR, World, build_world, pid

MODULES = [
    "order_core.partners.services",
    "order_core.partners.programs",
    "order_core.partners.buyers",
    "order_core.partners.branding",
    "order_core.catalog.authorization",
    "order_core.catalog.products",
    "order_core.catalog.buy_prices",
    "order_core.customers.services",
    "order_core.customers.associations",
    "order_core.customers.csv_io",
    "order_core.deals.services",
]
# Vendor configuration every actor may read: no partner's data in it.
SHARED_READS = {"get_program", "list_programs", "get_product", "list_products", "list_prices"}


def _attacks(s: Session, w: World, b: Actor) -> dict[str, Callable[[], object]]:
    a = pid(w.a)
    a_buyer = w.a_buyer.buyer_id
    assert a_buyer is not None
    cust = pid(w.customer_a)
    membership = s.exec(select(ProgramMembership).where(ProgramMembership.partner_id == a)).first()
    assert membership is not None and membership.id is not None
    rule = authorization.add_authorization_rule(
        session=s, actor=VENDOR, partner_id=a, effect="deny", scope="sku", value="CS-SEC-001"
    )
    deal, _ = deals.upsert_deal(
        "salesforce",
        "006A",
        {"name": "A deal", "partner_id": a, "end_customer_id": cust},
        session=s,
        actor=VENDOR,
    )
    assert rule.id is not None and deal.id is not None
    sku = pid(w.products["CS-PLA-001"])
    return {
        "get_partner": lambda: partners.get_partner(a, session=s, actor=b),
        "update_partner": lambda: partners.update_partner(
            a, {"tier": "Registered"}, session=s, actor=b
        ),
        "create_partner": lambda: partners.create_partner("Evil", session=s, actor=b),
        "list_partners": lambda: (
            partners.list_partners(session=s, actor=b)
            if False
            else _only_own(partners.list_partners(session=s, actor=b), w)
        ),
        "set_crm_ref": lambda: partners.set_crm_ref(a, "salesforce", "x", session=s, actor=b),
        "crm_refs": lambda: partners.crm_refs(a, session=s, actor=b),
        "link_distributor": lambda: partners.link_distributor(a, pid(w.dist), session=s, actor=b),
        "distributors_of": lambda: partners.distributors_of(a, session=s, actor=b),
        "create_program": lambda: programs.create_program("EVIL", "Evil", session=s, actor=b),
        "update_program": lambda: programs.update_program(
            pid(w.reseller_program), session=s, actor=b, active=False
        ),
        "add_membership": lambda: programs.add_membership(
            a, pid(w.dist_program), session=s, actor=b
        ),
        "end_membership": lambda: programs.end_membership(
            membership.id or 0, date(2026, 2, 1), session=s, actor=b
        ),
        "list_memberships": lambda: programs.list_memberships(a, session=s, actor=b),
        "set_branding": lambda: branding.set_branding(
            pid(w.dist), session=s, actor=b, display_name="Evil"
        ),
        "get_branding": lambda: branding.get_branding(pid(w.dist), session=s, actor=b),
        "add_buyer": lambda: buyers.add_buyer(
            a, "mole@beta.example", "Mole", session=s, actor=b, role="admin"
        ),
        "update_buyer": lambda: buyers.update_buyer(
            a_buyer, session=s, actor=b, spending_limit=Decimal("1")
        ),
        "deactivate_buyer": lambda: buyers.deactivate_buyer(a_buyer, session=s, actor=b),
        "reactivate_buyer": lambda: buyers.reactivate_buyer(a_buyer, session=s, actor=b),
        "get_buyer": lambda: buyers.get_buyer(a_buyer, session=s, actor=b),
        "list_buyers": lambda: buyers.list_buyers(a, session=s, actor=b, include_inactive=True),
        "authorized_products": lambda: authorization.authorized_products(a, session=s, actor=b),
        "add_authorization_rule": lambda: authorization.add_authorization_rule(
            session=s, actor=b, partner_id=pid(w.b), effect="allow", scope="all"
        ),
        "remove_authorization_rule": lambda: authorization.remove_authorization_rule(
            rule.id or 0, session=s, actor=b
        ),
        "list_authorization_rules": lambda: authorization.list_authorization_rules(
            session=s, actor=b, partner_id=a
        ),
        "create_product": lambda: products.create_product("EVIL-1", "Evil", session=s, actor=b),
        "update_product": lambda: products.update_product(
            sku, {"active": False}, session=s, actor=b
        ),
        "set_list_price": lambda: products.set_list_price(
            sku, "USD", Decimal("1"), session=s, actor=b
        ),
        "set_buy_price": lambda: buy_prices.set_buy_price(
            session=s, actor=b, tier="Silver", percent_off=Decimal("99")
        ),
        "list_buy_prices": lambda: buy_prices.list_buy_prices(session=s, actor=b),
        "partner_buy_prices": lambda: buy_prices.partner_buy_prices(a, session=s, actor=b),
        "create_customer": lambda: customers.create_customer(
            {"name": "X"}, session=s, actor=b, partner_id=a
        ),
        "update_customer": lambda: customers.update_customer(
            cust, {"city": "Evil"}, session=s, actor=b
        ),
        "get_customer": lambda: customers.get_customer(cust, session=s, actor=b),
        "list_customers": lambda: customers.list_customers(session=s, actor=b, partner_id=a),
        "customer_associations": lambda: associations.customer_associations(
            cust, session=s, actor=b
        ),
        "set_reseller_of_record": lambda: associations.set_reseller_of_record(
            cust, pid(w.b), session=s, actor=b
        ),
        "recent_customers": lambda: associations.recent_customers(a, session=s, actor=b),
        "import_customers_csv": lambda: csv_io.import_customers_csv(
            f"id,name\n{cust},Evil\n", a, session=s, actor=b
        ),
        "export_customers_csv": lambda: csv_io.export_customers_csv(a, session=s, actor=b),
        "upsert_deal": lambda: deals.upsert_deal(
            "salesforce", "006A", {"name": "Evil"}, session=s, actor=b
        ),
        "upsert_deals": lambda: deals.upsert_deals([], session=s, actor=b),
        "update_deal": lambda: deals.update_deal(
            deal.id or 0, {"quote_requested": True}, session=s, actor=b
        ),
        "get_deal": lambda: deals.get_deal(deal.id or 0, session=s, actor=b),
        "list_deals": lambda: deals.list_deals(session=s, actor=b, partner_id=a),
    }


def _only_own(result: Sequence[Partner], w: World) -> object:
    """list_partners takes no partner id: seeing anything but its own company is a leak."""
    ids = [p.id for p in result]
    if ids != [w.b.id]:
        return ids
    raise NotFoundError("partner list limited to the actor's own company")


def _state(s: Session) -> list[list[tuple[object, ...]]]:
    """Every row of every table: the attacks must leave the database exactly as it was."""
    return [
        [tuple(row) for row in s.execute(table.select().order_by(*table.primary_key.columns))]
        for table in metadata.sorted_tables
    ]


def test_every_service_refuses_another_partners_buyer(session: Session) -> None:
    world = build_world(session)
    attacker = world.b_admin  # the strongest partner role, so refusals come from isolation
    attacks = _attacks(session, world, attacker)
    public = {
        name
        for module in MODULES
        for name, fn in inspect.getmembers(importlib.import_module(module), inspect.isfunction)
        if hasattr(fn, "__wrapped__") and fn.__module__ == module
    }
    assert public - SHARED_READS - set(attacks) == set(), "add new services to this test"
    before = _state(session)
    leaked = []
    for name, attack in attacks.items():
        try:
            result = attack()
        except (NotFoundError, AccessDenied):
            continue
        leaked.append(f"{name} -> {result!r}")
    assert leaked == []
    session.expire_all()
    assert _state(session) == before
