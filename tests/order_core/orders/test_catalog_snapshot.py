"""Checkout's engine-wide catalog snapshot: one stamp read per order, and never a stale catalog."""

from __future__ import annotations

from decimal import Decimal

from sqlmodel import Session, select

from order_core.catalog.models import CatalogStamp, ListPrice, Product
from order_core.catalog.products import set_list_price
from order_core.catalog.snapshot import snapshot_values
from order_core.catalog.version import writes_catalog
from order_core.db import new_session
from order_core.orders.checkout import CartItem, place_order
from order_core.orders.models import Order
from order_core.partners.models import Partner
from order_core.pricing_inputs.catalog_inputs import catalog_inputs
from order_core.types import utcnow
from tests.order_core.orders.world import VENDOR, World
from tests.sql_capture import statements

_CATALOG_READS = ("FROM program", "FROM product", "FROM list_price", "FROM partner")


def _catalog_reads(seen: list[str]) -> list[str]:
    return [
        s
        for s in seen
        if s.lstrip().upper().startswith("SELECT") and any(t in s for t in _CATALOG_READS)
    ]


def _stamp(session: Session) -> int:
    row = session.get(CatalogStamp, 1, populate_existing=True)
    assert row is not None
    return row.value


def _order(session: Session, world: World, sku: str = "LIC-1") -> Order:
    actor = world.actor(session, world.buyer)
    session.commit()
    return place_order(
        session=session, actor=actor, lines=[CartItem(sku, 1)], payment_method="credit_line"
    )


def test_write_detection_covers_catalog_tables_only() -> None:
    assert writes_catalog('INSERT INTO "list_price" (product_id) VALUES (1)')
    assert writes_catalog("UPDATE product SET name='x' WHERE id = 1")
    assert writes_catalog("DELETE FROM buyer WHERE id = 2")
    assert not writes_catalog("INSERT INTO sales_order (number) VALUES ('x')")
    assert writes_catalog("WITH v AS (SELECT 1) UPDATE program SET active = false")
    assert not writes_catalog("WITH v AS (SELECT 1) INSERT INTO outbox_event (topic) VALUES ('x')")
    assert not writes_catalog("SELECT * FROM product")


def test_a_second_order_reads_only_the_stamp_of_the_catalog(session: Session, world: World) -> None:
    first = _order(session, world)
    other = new_session(session.get_bind())  # type: ignore[arg-type]
    try:
        actor = world.actor(other, world.buyer)
        other.commit()
        with statements(other) as seen:
            second = place_order(
                session=other,
                actor=actor,
                lines=[CartItem("LIC-1", 1)],
                payment_method="credit_line",
            )
    finally:
        other.close()
    assert second.net_total == first.net_total == Decimal("80.00")
    assert _catalog_reads(seen) == []
    assert sum(1 for s in seen if "catalog_stamp" in s) == 1


def test_a_committed_price_change_is_seen_by_the_very_next_order(
    session: Session, world: World
) -> None:
    before = _stamp(session)
    assert _order(session, world).net_total == Decimal("80.00")
    set_list_price(world.products["LIC-1"], "USD", Decimal("150"), session=session, actor=VENDOR)
    assert _stamp(session) != before
    assert _order(session, world).net_total == Decimal("120.00")


def test_an_uncommitted_catalog_change_is_read_fresh_and_never_shared(
    session: Session, world: World
) -> None:
    assert _order(session, world).net_total == Decimal("80.00")
    price = session.exec(
        select(ListPrice).where(
            ListPrice.product_id == world.products["LIC-1"], ListPrice.currency == "USD"
        )
    ).one()
    price.amount = Decimal("300")
    session.add(price)
    session.flush()
    partner = session.get(Partner, world.partner_a)
    assert partner is not None
    with statements(session) as seen:
        assert snapshot_values(session) is None  # this transaction changed the catalog
        found = catalog_inputs(session, partner, ["LIC-1"], utcnow().date())
    assert found.catalog.products[0].list_prices["USD"] == Decimal("300")
    assert not any("catalog_stamp" in s for s in seen)  # the snapshot was not even consulted
    session.rollback()
    # Rolled back: the next order prices from the committed catalog again, not a shared copy.
    assert _order(session, world).net_total == Decimal("80.00")


def test_a_deactivated_product_is_refused_by_the_next_order(session: Session, world: World) -> None:
    assert _order(session, world, "HW-1").status == "submitted"
    product = session.get(Product, world.products["HW-1"])
    assert product is not None
    product.active = False
    session.add(product)
    session.commit()
    other = new_session(session.get_bind())  # type: ignore[arg-type]
    try:
        actor = world.actor(other, world.buyer)
        other.commit()
        try:
            place_order(
                session=other,
                actor=actor,
                lines=[CartItem("HW-1", 1)],
                payment_method="credit_line",
            )
        except Exception as exc:
            refused = str(exc)
        else:
            refused = ""
    finally:
        other.close()
    assert "HW-1" in refused
