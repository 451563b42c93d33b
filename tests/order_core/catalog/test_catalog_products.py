"""Products, list prices per currency and partner buy prices."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from sqlmodel import Session

from order_core.audit import audit_trail
from order_core.catalog.buy_prices import (
    applicable_buy_prices,
    list_buy_prices,
    partner_buy_prices,
    set_buy_price,
)
from order_core.catalog.products import (
    create_product,
    get_product,
    get_product_by_sku,
    list_prices,
    list_products,
    set_list_price,
    update_product,
)
from order_core.errors import AccessDenied, ConflictError, NotFoundError, ValidationFailed
from tests.order_core.partners.world import VENDOR, build_world, pid


def test_create_update_and_read_products(session: Session) -> None:
    product = create_product(
        "CS-SUP-001",
        "Support Subscription 1",
        session=session,
        actor=VENDOR,
        category="Support",
        kind="subscription",
        term_months=12,
    )
    assert get_product_by_sku(session, "CS-SUP-001").id == product.id
    with pytest.raises(NotFoundError, match="CS-SUP-009"):
        get_product_by_sku(session, "CS-SUP-009")
    with pytest.raises(ConflictError, match="CS-SUP-001"):
        create_product("CS-SUP-001", "Again", session=session, actor=VENDOR)
    with pytest.raises(ValidationFailed) as err:
        create_product(
            "CS-SUP-002",
            "",
            session=session,
            actor=VENDOR,
            kind="subscription",
            license_type="floppy",
        )
    assert {p.field for p in err.value.problems} == {"name", "term_months", "license_type"}
    updated = update_product(
        pid(product), {"term_months": 36, "name": "Support 36"}, session=session, actor=VENDOR
    )
    assert updated.term_months == 36
    with pytest.raises(ValidationFailed, match="sku"):
        update_product(pid(product), {"sku": "X"}, session=session, actor=VENDOR)
    trail = audit_trail(session, "product", pid(product))
    assert [e.action for e in trail] == ["create", "update"]
    assert json.loads(trail[1].changes)["term_months"] == [12, 36]
    session.expunge_all()
    assert get_product(pid(product), session=session, actor=VENDOR).name == "Support 36"
    update_product(pid(product), {"active": False}, session=session, actor=VENDOR)
    assert list_products(session=session, actor=VENDOR) == []
    assert len(list_products(session=session, actor=VENDOR, include_inactive=True)) == 1


def test_list_prices_per_currency(session: Session) -> None:
    product = create_product("CS-ANA-001", "Analytics", session=session, actor=VENDOR)
    set_list_price(pid(product), "usd", Decimal("1200.50"), session=session, actor=VENDOR)
    set_list_price(pid(product), "EUR", Decimal("1100"), session=session, actor=VENDOR)
    set_list_price(pid(product), "JPY", Decimal("180000"), session=session, actor=VENDOR)
    set_list_price(pid(product), "EUR", Decimal("1150.00"), session=session, actor=VENDOR)
    session.expunge_all()
    assert list_prices(pid(product), session=session, actor=VENDOR) == {
        "USD": Decimal("1200.50"),
        "EUR": Decimal("1150.00"),
        "JPY": Decimal("180000"),
    }
    with pytest.raises(ValidationFailed, match="currency"):
        set_list_price(pid(product), "EURO", Decimal("1"), session=session, actor=VENDOR)
    with pytest.raises(ValidationFailed, match="amount"):
        set_list_price(pid(product), "USD", Decimal("-1"), session=session, actor=VENDOR)
    assert len(audit_trail(session, "product", pid(product))) == 5


def test_buy_prices_fixed_and_percent(session: Session) -> None:
    world = build_world(session)
    sku = world.products["CS-PLA-001"]
    fixed = set_buy_price(
        session=session,
        actor=VENDOR,
        program_id=pid(world.reseller_program),
        tier="Gold",
        product_id=pid(sku),
        currency="usd",
        fixed_price=Decimal("70.00"),
    )
    assert fixed.currency == "USD"
    percent = set_buy_price(
        session=session,
        actor=VENDOR,
        program_id=pid(world.reseller_program),
        percent_off=Decimal("20"),
    )
    silver = set_buy_price(session=session, actor=VENDOR, tier="Silver", percent_off=Decimal("10"))
    same = set_buy_price(
        session=session,
        actor=VENDOR,
        program_id=pid(world.reseller_program),
        percent_off=Decimal("20"),
    )
    assert same.id == percent.id
    changed = set_buy_price(
        session=session,
        actor=VENDOR,
        program_id=pid(world.reseller_program),
        percent_off=Decimal("25"),
    )
    assert changed.id == percent.id and changed.percent_off == Decimal("25")
    assert {b.id for b in applicable_buy_prices(session, pid(world.a))} == {fixed.id, percent.id}
    assert {b.id for b in applicable_buy_prices(session, pid(world.b))} == {percent.id, silver.id}
    assert {
        b.id for b in partner_buy_prices(pid(world.a), session=session, actor=world.a_buyer)
    } == {
        fixed.id,
        percent.id,
    }
    assert len(list_buy_prices(session=session, actor=VENDOR)) == 3
    with pytest.raises(ValidationFailed, match="exactly one"):
        set_buy_price(
            session=session, actor=VENDOR, percent_off=Decimal("5"), fixed_price=Decimal("1")
        )
    with pytest.raises(ValidationFailed, match="product and a currency"):
        set_buy_price(session=session, actor=VENDOR, fixed_price=Decimal("1"))
    with pytest.raises(ValidationFailed, match="over 100"):
        set_buy_price(session=session, actor=VENDOR, percent_off=Decimal("101"))
    with pytest.raises(AccessDenied):
        set_buy_price(session=session, actor=world.a_admin, percent_off=Decimal("90"))
    with pytest.raises(AccessDenied):
        create_product("CS-X", "X", session=session, actor=world.a_admin)
    assert [e.action for e in audit_trail(session, "buy_price", pid_of(percent.id))] == [
        "set_buy_price",
        "set_buy_price",
    ]


def pid_of(value: int | None) -> int:
    assert value is not None
    return value
