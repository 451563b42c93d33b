"""Pins how the catalog stamp notices writes, through every way the code writes, on both databases.

``order_core.catalog.version`` recognises a catalog write from SQLAlchemy's public execution
events and compiled statements, and ``catalog.snapshot`` checks for unflushed changes through the
session's public state. If an SQLAlchemy upgrade changed what those expose, a checkout could
price from a stale catalog: these tests fail loudly first.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import delete, insert, literal, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col
from sqlmodel import select as select_rows

from order_core.catalog.models import ListPrice, Product
from order_core.catalog.snapshot import has_pending_changes, snapshot_values
from order_core.catalog.version import (
    new_entity_rows,
    read_stamp,
    tables_written,
    written_in_transaction,
)
from order_core.outbox import OutboxEvent, emit_event
from order_core.rowbatch import insert_rows, table_of
from order_core.types import utcnow

ROOT = Path(__file__).resolve().parents[3]
Write = Callable[[Session, int], None]


@pytest.fixture
def product_id(session: Session) -> int:
    """A committed product with a USD list price; the stamp exists."""
    product = Product(sku="P-1", name="Thing")
    session.add(product)
    session.flush()
    assert product.id is not None
    session.add(ListPrice(product_id=product.id, currency="USD", amount=Decimal("10.00")))
    session.commit()
    return product.id


def _product_row(sku: str) -> dict[str, object]:
    return {
        "sku": sku,
        "name": sku,
        "category": "",
        "product_group": "",
        "kind": "perpetual",
        "term_months": None,
        "license_type": None,
        "active": True,
    }


def _orm_insert(s: Session, pid: int) -> None:
    s.add(Product(sku="P-2", name="Other"))
    s.flush()


def _orm_update(s: Session, pid: int) -> None:
    product = s.get(Product, pid)
    assert product is not None
    product.name = "Renamed"
    s.flush()


def _orm_delete(s: Session, pid: int) -> None:
    price = s.exec(select_rows(ListPrice).where(col(ListPrice.product_id) == pid)).one()
    s.delete(price)
    s.flush()


def _core_insert(s: Session, pid: int) -> None:
    s.execute(insert(ListPrice).values(product_id=pid, currency="EUR", amount=Decimal(9)))


def _core_executemany(s: Session, pid: int) -> None:
    rows = [{"product_id": pid, "currency": c, "amount": Decimal(8)} for c in ("EUR", "GBP")]
    s.execute(insert(table_of(ListPrice)), rows)


def _core_table_update(s: Session, pid: int) -> None:
    s.execute(update(table_of(Product)).values(name="Core rename"))


def _orm_bulk_update(s: Session, pid: int) -> None:
    s.execute(update(Product).where(col(Product.id) == pid).values(name="Bulk rename"))


def _orm_bulk_delete(s: Session, pid: int) -> None:
    s.execute(delete(ListPrice).where(col(ListPrice.product_id) == pid))


def _orm_bulk_insert_returning(s: Session, pid: int) -> None:
    s.execute(
        insert(Product).returning(col(Product.id)), [_product_row("P-3"), _product_row("P-4")]
    )


def _upsert(s: Session, pid: int) -> None:
    dialect = postgresql if s.get_bind().dialect.name == "postgresql" else sqlite
    stmt = dialect.insert(table_of(ListPrice)).values(
        id=1, product_id=pid, currency="USD", amount=Decimal(11)
    )
    s.execute(stmt.on_conflict_do_update(index_elements=["id"], set_={"amount": Decimal(11)}))


def _insert_from_select(s: Session, pid: int) -> None:
    product = col(Product.id)
    source = select(product, literal("JPY"), literal(Decimal(1000))).where(product == pid)
    s.execute(insert(ListPrice).from_select(["product_id", "currency", "amount"], source))


def _dml_in_a_cte(s: Session, pid: int) -> None:
    if s.get_bind().dialect.name != "postgresql":
        pytest.skip("SQLite has no INSERT inside a WITH clause")
    renamed = update(Product).values(name="CTE rename").returning(col(Product.id)).cte("renamed")
    s.execute(select(renamed.c.id))


def _row_batch(s: Session, pid: int) -> None:
    insert_rows(s, [(table_of(Product), [_product_row("P-5")])])


def _textual(s: Session, pid: int) -> None:
    s.execute(text("UPDATE product SET name = 'Text rename'"))


def _driver_sql(s: Session, pid: int) -> None:
    s.connection().exec_driver_sql("DELETE FROM list_price WHERE currency = 'USD'")


CATALOG_WRITES: dict[str, Write] = {
    "orm_insert": _orm_insert,
    "orm_update": _orm_update,
    "orm_delete": _orm_delete,
    "core_insert": _core_insert,
    "core_executemany": _core_executemany,
    "core_table_update": _core_table_update,
    "orm_bulk_update": _orm_bulk_update,
    "orm_bulk_delete": _orm_bulk_delete,
    "orm_bulk_insert_returning": _orm_bulk_insert_returning,
    "upsert": _upsert,
    "insert_from_select": _insert_from_select,
    "dml_in_a_cte": _dml_in_a_cte,
    "row_batch": _row_batch,
    "textual": _textual,
    "driver_sql": _driver_sql,
}


def _outbox_event(s: Session, pid: int) -> None:
    emit_event(s, "crm.product", "product", pid, {"sku": "P-1"})
    s.flush()


def _outbox_from_catalog(s: Session, pid: int) -> None:
    now = utcnow()
    source = select(
        literal("crm.product"),
        literal("product"),
        col(Product.sku),
        literal("{}"),
        literal("pending"),
        literal(0),
        literal(now),
        literal(now),
    ).where(col(Product.id) == pid)
    columns = ["topic", "aggregate", "aggregate_id", "payload", "status", "attempts"]
    s.execute(insert(OutboxEvent).from_select([*columns, "created_at", "next_attempt_at"], source))


def _read_catalog(s: Session, pid: int) -> None:
    s.exec(select_rows(Product).where(col(Product.id) == pid)).one()
    s.execute(text("SELECT name FROM product")).all()


def _textual_other_table(s: Session, pid: int) -> None:
    s.execute(text("UPDATE outbox_event SET attempts = attempts + 1"))


OTHER_STATEMENTS: dict[str, Write] = {
    "outbox_event": _outbox_event,
    "outbox_from_catalog": _outbox_from_catalog,
    "read_catalog": _read_catalog,
    "textual_other_table": _textual_other_table,
}


def _stamp(session: Session) -> int | None:
    value = read_stamp(session.connection())
    session.rollback()
    return value


@pytest.mark.parametrize("write", sorted(CATALOG_WRITES))
def test_every_kind_of_catalog_write_bumps_the_stamp_in_its_transaction(
    session: Session, product_id: int, write: str
) -> None:
    before = _stamp(session)
    assert before is not None
    CATALOG_WRITES[write](session, product_id)
    assert written_in_transaction(session.connection())
    assert snapshot_values(session) is None  # this transaction shares no remembered values
    session.commit()
    assert _stamp(session) != before


# Inside ``new_entity_rows`` a plain INSERT makes new rows only; everything else still bumps.
NEW_ROWS_ONLY = {
    "orm_insert",
    "core_insert",
    "core_executemany",
    "orm_bulk_insert_returning",
    "insert_from_select",
    "row_batch",
}


@pytest.mark.parametrize("write", sorted(CATALOG_WRITES))
def test_inside_new_entity_rows_only_plain_inserts_leave_the_stamp(
    session: Session, product_id: int, write: str
) -> None:
    before = _stamp(session)
    with new_entity_rows(session):
        CATALOG_WRITES[write](session, product_id)
    assert written_in_transaction(session.connection())
    assert snapshot_values(session) is None  # the writing transaction still shares nothing
    session.commit()
    assert (_stamp(session) == before) is (write in NEW_ROWS_ONLY)
    _orm_update(session, product_id)  # after the block, an insert-free write bumps again
    session.commit()
    assert _stamp(session) != before


@pytest.mark.parametrize("statement", sorted(OTHER_STATEMENTS))
def test_reads_and_other_tables_leave_the_stamp_alone(
    session: Session, product_id: int, statement: str
) -> None:
    before = _stamp(session)
    OTHER_STATEMENTS[statement](session, product_id)
    assert not written_in_transaction(session.connection())
    session.commit()
    assert _stamp(session) == before


def test_a_rolled_back_catalog_write_leaves_the_stamp_as_it_was(
    session: Session, product_id: int
) -> None:
    before = _stamp(session)
    _orm_update(session, product_id)
    session.rollback()
    assert _stamp(session) == before
    assert not written_in_transaction(session.connection())
    session.rollback()


def test_unflushed_changes_are_seen_through_public_session_state(
    session: Session, product_id: int
) -> None:
    assert not has_pending_changes(session)
    product = session.get(Product, product_id)
    assert product is not None
    product.name = "Pending"
    assert has_pending_changes(session)  # dirty
    session.flush()
    assert not has_pending_changes(session)
    session.add(Product(sku="P-9", name="New"))
    assert has_pending_changes(session)  # new
    assert snapshot_values(session) is None
    session.rollback()
    price = session.exec(select_rows(ListPrice)).one()
    session.delete(price)
    assert has_pending_changes(session)  # deleted
    session.rollback()


def test_tables_written_reads_the_statement_structure() -> None:
    assert tables_written(insert(Product)) == {"product"}
    assert tables_written(select(Product)) == frozenset()
    renamed = update(Product).values(name="x").returning(col(Product.id)).cte("renamed")
    nested = insert(ListPrice).from_select(["product_id"], select(renamed.c.id))
    assert tables_written(nested) == {"list_price", "product"}


def test_no_private_sqlalchemy_attribute_is_used_by_the_core() -> None:
    """``session._is_clean()`` and friends may change in any release; the core uses none."""
    owners = {"session", "conn", "connection", "engine", "context", "compiled", "cursor", "s"}
    offenders = []
    for path in sorted((ROOT / "order_core").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Attribute)
                and node.attr.startswith("_")
                and not node.attr.startswith("__")
                and isinstance(node.value, ast.Name)
                and node.value.id in owners
            ):
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}: .{node.attr}")
    assert offenders == []
