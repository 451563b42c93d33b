"""Benchmark: p50 / p95 time to create a 50-line quote with persistence, on SQLite and PostgreSQL.

Each backend gets its own fresh database (a temp SQLite file; a throwaway PostgreSQL database
created and dropped here), the schema from ``order_core.models.metadata``, and a seeded channel
(a reseller in a program, buying through a distributor, 50 products with list prices). One
sample = one ``create_quote`` call (authorization check, catalog load, pricing of 50 lines,
content hash, quote + 50 line rows, audit entry and outbox events, commit).

Run: ``.venv/bin/python bench/bench_quotes.py [--samples 60] [--pg postgresql://postgres@127.0.0.1:5432/postgres]``
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
import uuid
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import psycopg
from sqlalchemy.engine import Engine

from order_core.actors import Actor
from order_core.catalog.models import AuthorizationRule, BuyPrice, ListPrice, Product
from order_core.db import make_engine, new_session
from order_core.models import metadata
from order_core.partners.models import DistributorRelation, Partner, Program, ProgramMembership
from order_core.pricing_inputs.builder import QuoteLineInput
from order_core.quotes.services import create_quote
from order_core.types import utcnow

LINES = 50


def seed(engine: Engine) -> int:
    """Create the channel and catalog; return the reseller id."""
    metadata.create_all(engine)
    with new_session(engine) as session:
        program = Program(code="GOLD", name="Gold")
        reseller = Partner(name="Bench Resale", tier="Gold")
        distributor = Partner(name="Bench Dist", kind="distributor")
        session.add_all([program, reseller, distributor])
        session.flush()
        assert program.id and reseller.id and distributor.id
        session.add(
            ProgramMembership(
                partner_id=reseller.id,
                program_id=program.id,
                starts_on=utcnow().date() - timedelta(days=1),
            )
        )
        session.add(
            DistributorRelation(
                reseller_id=reseller.id,
                distributor_id=distributor.id,
                terms_percent_off=Decimal("3"),
            )
        )
        session.add(BuyPrice(program_id=program.id, percent_off=Decimal("12.5")))
        session.add(AuthorizationRule(effect="allow", scope="all"))
        for n in range(LINES):
            product = Product(sku=f"SKU-{n:03d}", name=f"Product {n}", category=f"cat{n % 5}")
            session.add(product)
            session.flush()
            assert product.id is not None
            session.add(
                ListPrice(product_id=product.id, currency="USD", amount=Decimal(f"{100 + n}.99"))
            )
        session.commit()
        return reseller.id


def measure(engine: Engine, samples: int) -> list[float]:
    """Seconds per 50-line quote creation, one committed transaction each."""
    reseller = seed(engine)
    actor = Actor.vendor("bench@vendor.test", "sales_ops")
    lines = [
        QuoteLineInput(
            f"SKU-{n:03d}",
            1 + n % 7,
            requested_discount_percent=Decimal("2") if n % 10 == 0 else None,
        )
        for n in range(LINES)
    ]
    timings: list[float] = []
    for i in range(samples + 3):
        with new_session(engine) as session:
            start = time.perf_counter()
            create_quote(reseller, lines, session=session, actor=actor)
            elapsed = time.perf_counter() - start
        if i >= 3:  # warm-up: imports, statement caches, connection pool
            timings.append(elapsed)
    return timings


def report(name: str, timings: list[float]) -> None:
    """Print p50 / p95 / mean in milliseconds."""
    ordered = sorted(timings)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    print(
        f"{name:<11} 50-line quote create: p50 {statistics.median(ordered) * 1000:7.1f} ms  "
        f"p95 {p95 * 1000:7.1f} ms  mean {statistics.fmean(ordered) * 1000:7.1f} ms  "
        f"(n={len(ordered)})"
    )


def main() -> None:
    """Run both backends and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--samples", type=int, default=60)
    parser.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{Path(tmp) / 'bench.db'}")
        try:
            report("SQLite", measure(engine, args.samples))
        finally:
            engine.dispose()

    name = f"channelsync_bench_{uuid.uuid4().hex[:10]}"
    try:
        with psycopg.connect(args.pg, autocommit=True, connect_timeout=3) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.Error as exc:
        print(f"PostgreSQL  skipped: cannot create a database at {args.pg} ({exc})")
        return
    base = args.pg.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://")
    engine = make_engine(f"{base}/{name}")
    try:
        report("PostgreSQL", measure(engine, args.samples))
    finally:
        engine.dispose()
        with psycopg.connect(args.pg, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
