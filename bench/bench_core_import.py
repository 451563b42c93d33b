"""Benchmark: import 10,000 customers from CSV and upsert 10,000 deals, on SQLite and PostgreSQL.

Prints wall time and rows/s for each step. PostgreSQL runs in a throwaway database at
127.0.0.1:5432 (created and dropped here); without a server only SQLite runs, and it says so.
"""

from __future__ import annotations

import csv
import io
import os
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import TypeVar

import psycopg
from sqlalchemy.engine import Engine

from order_core.actors import Actor
from order_core.customers.csv_io import import_customers_csv
from order_core.db import make_engine, new_session
from order_core.deals.services import DealUpsert, upsert_deals
from order_core.models import metadata
from order_core.partners.services import create_partner

ROWS = int(os.environ.get("BENCH_ROWS", "10000"))
PG_ADMIN = os.environ.get("CHANNELSYNC_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
ACTOR = Actor.system("bench")
T = TypeVar("T")


def customers_csv(n: int) -> str:
    """A CSV of ``n`` distinct end customers."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["name", "email", "country", "city", "crm_source", "crm_id"])
    for i in range(n):
        writer.writerow(
            [f"Customer {i}", f"buyer@c{i}.example", "US", "Austin", "salesforce", f"001C{i:08d}"]
        )
    return out.getvalue()


def deals(n: int, partner_id: int, customer_ids: list[int], stamp: datetime) -> list[DealUpsert]:
    """``n`` CRM deals spread over the customers."""
    return [
        DealUpsert(
            "salesforce",
            f"006D{i:08d}",
            {
                "name": f"Deal {i}",
                "stage": "Prospecting",
                "amount": Decimal(1000 + i) + Decimal("0.50"),
                "currency": "USD",
                "close_date": date(2026, 12, 31),
                "partner_id": partner_id,
                "end_customer_id": customer_ids[i % len(customer_ids)],
                "crm_modified_at": stamp,
            },
        )
        for i in range(n)
    ]


def timed(label: str, rows: int, fn: Callable[[], T]) -> T:
    """Run ``fn``, print its time and rows/s, and return its result."""
    start = time.perf_counter()
    value = fn()
    took = time.perf_counter() - start
    print(f"  {label:<42} {took:7.2f} s  {rows / took:9.0f} rows/s")
    return value


def run(engine: Engine, name: str) -> None:
    """All steps on one database."""
    metadata.create_all(engine)
    print(f"{name}: {ROWS} rows")
    text = customers_csv(ROWS)
    with new_session(engine) as session:
        partner = create_partner("Bench Partners", session=session, actor=ACTOR)
        assert partner.id is not None
        pid = partner.id
    with new_session(engine) as session:
        result = timed(
            "import customers CSV (all new)",
            ROWS,
            lambda: import_customers_csv(text, pid, session=session, actor=ACTOR),
        )
    customer_ids = result.created
    assert len(customer_ids) == ROWS
    with new_session(engine) as session:
        timed(
            "re-import same CSV (all unchanged)",
            ROWS,
            lambda: import_customers_csv(text, pid, session=session, actor=ACTOR),
        )
    stamp = datetime(2026, 5, 1, tzinfo=UTC)
    with new_session(engine) as session:
        timed(
            "upsert deals (all created)",
            ROWS,
            lambda: upsert_deals(
                deals(ROWS, pid, customer_ids, stamp), session=session, actor=ACTOR
            ),
        )
    with new_session(engine) as session:
        timed(
            "upsert same deals (all unchanged)",
            ROWS,
            lambda: upsert_deals(
                deals(ROWS, pid, customer_ids, stamp), session=session, actor=ACTOR
            ),
        )
    later = [
        DealUpsert(
            d.source,
            d.crm_id,
            {
                **d.values,
                "stage": "Negotiation/Review",
                "crm_modified_at": stamp + timedelta(hours=1),
            },
        )
        for d in deals(ROWS, pid, customer_ids, stamp)
    ]
    with new_session(engine) as session:
        timed(
            "upsert deals (all updated)",
            ROWS,
            lambda: upsert_deals(later, session=session, actor=ACTOR),
        )


def main() -> None:
    """SQLite in a temp file, then PostgreSQL in a throwaway database."""
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{Path(tmp) / 'bench.db'}")
        run(engine, "SQLite")
        engine.dispose()
    try:
        with psycopg.connect(PG_ADMIN, connect_timeout=3, autocommit=True) as conn:
            dbname = f"channelsync_bench_{uuid.uuid4().hex[:10]}"
            conn.execute(f'CREATE DATABASE "{dbname}"')
    except psycopg.Error as exc:
        print(f"PostgreSQL: not run ({PG_ADMIN} did not answer: {exc})")
        return
    base = PG_ADMIN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://")
    engine = make_engine(f"{base}/{dbname}")
    try:
        run(engine, "PostgreSQL")
    finally:
        engine.dispose()
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')


if __name__ == "__main__":
    main()
