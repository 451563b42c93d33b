"""The Alembic migrations produce exactly the SQLModel metadata, on SQLite and on PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlmodel import Session

from order_core.db import make_engine, upgrade_schema
from order_core.models import metadata
from order_core.quotes.models import Quote, QuoteLine
from order_core.types import MoneyType, UtcDateTime
from tests.pg import PG_ADMIN_DSN, create_database, drop_database, pg_available


def _assert_no_drift(url: str) -> None:
    upgrade_schema(url)
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            ctx = MigrationContext.configure(conn, opts={"compare_type": True})
            drift = compare_metadata(ctx, metadata)
            tables = set(inspect(conn).get_table_names())
    finally:
        engine.dispose()
    assert drift == [], f"models and migrations differ: {drift}"
    assert {t.name for t in metadata.sorted_tables} <= tables
    # Upgrading an up-to-date schema is a no-op.
    upgrade_schema(url)


def test_migrations_match_models_on_sqlite(tmp_path: Path) -> None:
    _assert_no_drift(f"sqlite:///{tmp_path / 'migrated.db'}")


@pytest.mark.postgres
def test_migrations_match_models_on_postgres() -> None:
    if not pg_available():
        pytest.skip(f"PostgreSQL is not answering at {PG_ADMIN_DSN}: PostgreSQL tests NOT run")
    name, url = create_database("channelsync_migrate")
    try:
        _assert_no_drift(url)
    finally:
        drop_database(name)


def _old_quote(url: str) -> None:
    """A JPY quote with one line, written as revision 0001 stores it (before resale prices)."""
    money = MoneyType()
    now = datetime(2026, 11, 1, tzinfo=UTC)
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            rows = {
                "partner": {"id": 1, "name": "Old Resale", "kind": "reseller", "tier": "Gold",
                            "country": "JP", "currency": "JPY", "locale": "ja_JP", "active": True,
                            "created_at": now, "updated_at": now},
                "product": {"id": 1, "sku": "SW-1", "name": "Suite", "category": "", "product_group": "",
                            "kind": "perpetual", "active": True},
                "quote": {"id": 1, "number": "Q-000001", "version": 1, "partner_id": 1,
                          "currency": "JPY", "locale": "ja_JP", "state": "sent",
                          "valid_until": date(2026, 12, 1), "cart": "[]", "content": "{}",
                          "content_hash": "0" * 64, "list_total": Decimal("300001"),
                          "net_total": Decimal("255000"), "margin": Decimal(0),
                          "max_line_discount_pct": Decimal(15),
                          "max_line_extra_discount_pct": Decimal(0), "created_by": "old",
                          "created_at": now, "updated_at": now},
                "quote_line": {"id": 1, "quote_id": 1, "line_no": 1, "product_id": 1, "sku": "SW-1",
                               "name": "Suite", "quantity": 2, "unit_list": Decimal("150000.5"),
                               "unit_net": Decimal("127500"), "line_total": Decimal("255000"),
                               "discount_percent": Decimal(15), "floor_breached": False},
            }  # fmt: skip
            for name, row in rows.items():
                columns = [
                    sa.column(k, money if isinstance(v, Decimal) else UtcDateTime())
                    if isinstance(v, Decimal | datetime)
                    else sa.column(k)
                    for k, v in row.items()
                ]
                conn.execute(sa.table(name, *columns).insert().values(**row))
    finally:
        engine.dispose()


def _assert_backfilled(url: str) -> None:
    upgrade_schema(url, "0001")
    _old_quote(url)
    upgrade_schema(url)
    engine = make_engine(url)
    try:
        with Session(engine) as session:
            quote = session.get(Quote, 1)
            line = session.get(QuoteLine, 1)
            assert quote is not None and line is not None
            # Resale = list (the default price book), rounded to yen: 150000.5 -> 150001.
            assert (line.unit_resale, line.resale_total) == (Decimal(150001), Decimal(300002))
            assert line.resale_basis == "list price (priced before price books)"
            assert (quote.resale_total, quote.reseller_margin) == (Decimal(300002), Decimal(45002))
    finally:
        engine.dispose()


def test_quotes_priced_before_price_books_get_list_resale_prices_on_sqlite(tmp_path: Path) -> None:
    _assert_backfilled(f"sqlite:///{tmp_path / 'old.db'}")


@pytest.mark.postgres
def test_quotes_priced_before_price_books_get_list_resale_prices_on_postgres() -> None:
    if not pg_available():
        pytest.skip(f"PostgreSQL is not answering at {PG_ADMIN_DSN}: PostgreSQL tests NOT run")
    name, url = create_database("channelsync_backfill")
    try:
        _assert_backfilled(url)
    finally:
        drop_database(name)
