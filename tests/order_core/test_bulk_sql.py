"""The bulk services' SQL building blocks, and the bulk services across several chunks of keys."""

from __future__ import annotations

import ast
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlmodel import Session, col, select

from order_core.actors import Actor
from order_core.bulk_sql import CHUNK, chunks, one_of, refresh_statistics
from order_core.customers.csv_io import import_customers_csv
from order_core.customers.models import CustomerAssociation, EndCustomer
from order_core.deals.services import DealUpsert, DealValue, upsert_deals
from tests.order_core.partners.world import VENDOR, World, build_world, pid

ROOT = Path(__file__).resolve().parents[2]
MANY = 2 * CHUNK + 7  # three chunks, the last one short
SYNC = Actor.system("crm-sync")


def test_chunks_are_consecutive_slices_of_at_most_the_size() -> None:
    items = list(range(MANY))
    parts = list(chunks(items))
    assert [len(p) for p in parts] == [CHUNK, CHUNK, 7]
    assert [x for p in parts for x in p] == items
    assert list(chunks([], 3)) == []
    assert [list(p) for p in chunks("abcde", 2)] == [["a", "b"], ["c", "d"], ["e"]]
    with pytest.raises(ValueError, match="at least 1"):
        list(chunks([1], 0))


def test_one_of_is_one_array_parameter_on_postgresql_and_an_in_list_on_sqlite(
    session: Session,
) -> None:
    session.add_all(EndCustomer(name=f"c{i}") for i in range(5))
    session.commit()
    ids = [c.id for c in session.exec(select(EndCustomer).order_by(col(EndCustomer.id)))]
    stmt = select(EndCustomer.name).where(one_of(session, col(EndCustomer.id), ids[1:4]))
    sql = str(stmt.compile(session.get_bind()))
    if session.get_bind().dialect.name == "postgresql":
        assert "= ANY (" in sql
    else:
        assert " IN (" in sql
    assert sorted(session.exec(stmt)) == ["c1", "c2", "c3"]


def _deal(world: World, no: int, stage: str) -> DealUpsert:
    values: dict[str, DealValue] = {
        "name": f"Deal {no}",
        "stage": stage,
        "amount": Decimal("100.00"),
        "currency": "USD",
        "partner_id": pid(world.a),
        "end_customer_id": pid(world.customer_a),
        "crm_modified_at": datetime(2026, 5, 1, tzinfo=UTC),
    }
    return DealUpsert("salesforce", f"006{no:06d}", values)


def test_deal_upsert_finds_every_existing_deal_across_chunks(session: Session) -> None:
    world = build_world(session)
    first = upsert_deals(
        [_deal(world, n, "Prospecting") for n in range(MANY)], session=session, actor=SYNC
    )
    assert {o for _, o in first} == {"created"}
    again = upsert_deals(
        [_deal(world, n, "Prospecting") for n in range(MANY)], session=session, actor=SYNC
    )
    assert {o for _, o in again} == {"unchanged"}
    assert [d.id for d, _ in again] == [d.id for d, _ in first]


def test_customer_import_matches_every_existing_customer_across_chunks(session: Session) -> None:
    world = build_world(session)
    partner = pid(world.b)
    rows = "".join(f"Customer {n},c{n}@example{n}.test,DE\n" for n in range(MANY))
    text = "name,email,country\n" + rows
    created = import_customers_csv(text, partner, session=session, actor=VENDOR)
    assert len(created.created) == MANY and created.associated == MANY
    again = import_customers_csv(text, partner, session=session, actor=VENDOR)
    assert again.created == [] and again.associated == 0
    assert sorted(again.unchanged) == sorted(created.created)
    linked = session.exec(
        select(CustomerAssociation.customer_id).where(CustomerAssociation.partner_id == partner)
    ).all()
    assert set(created.created) <= set(linked)


def _slicing_loops(path: Path) -> list[int]:
    """Lines of ``range(0, len(x), n)`` in a module that talks SQL: a chunking loop of its own."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    imported = {
        (node.module or "").split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom)
    }
    if not imported & {"sqlalchemy", "sqlmodel"}:
        return []  # e.g. grouping the characters of a license key
    lines = []
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == "range"
            and len(node.args) == 3
            and isinstance(node.args[1], ast.Call)
            and isinstance(node.args[1].func, ast.Name)
            and node.args[1].func.id == "len"
        ):
            lines.append(node.lineno)
    return lines


def test_order_core_chunks_keys_in_one_place() -> None:
    offenders = [
        f"{path.relative_to(ROOT)}:{line}"
        for path in sorted((ROOT / "order_core").rglob("*.py"))
        if path.name != "bulk_sql.py"
        for line in _slicing_loops(path)
    ]
    assert offenders == []


def _reltuples(session: Session) -> float:
    """PostgreSQL's row estimate for end_customer (-1: never analyzed), as plans see it."""
    return float(
        session.execute(
            text("SELECT reltuples FROM pg_class WHERE relname = 'end_customer'")
        ).scalar_one()
    )


def test_rows_added_in_short_transactions_add_up_to_an_analyze_then_doubling(
    session: Session,
) -> None:
    """A pull writes a page in transactions of a few hundred rows: none alone reaches the
    threshold, but the session's total does; then ANALYZE waits until the tables doubled."""
    if session.get_bind().dialect.name != "postgresql":
        refresh_statistics(session, 5000, "end_customer")  # nothing to do on SQLite
        return
    before = _reltuples(session)
    assert before <= 0
    estimates, n = [], 0
    for batch in [300] * 4 + [400] * 3:
        session.add_all(EndCustomer(name=f"c{n + i}") for i in range(batch))
        n += batch
        session.flush()
        refresh_statistics(session, batch, "end_customer")
        session.commit()
        estimates.append(_reltuples(session))
    # Analyzed once 1,000 rows arrived (at 1,200), then not again until 1,200 more (at 2,400).
    assert estimates == [before] * 3 + [1200.0] * 3 + [2400.0]
