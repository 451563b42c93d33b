"""Benchmark: the CRM push-back (``connector.push.run.push_connection``) against both sandboxes.

Per CRM connection, on a fresh SQLite core pulled from fresh sandboxes:

1. 10,000 order status changes (one ``crm.order`` event each, orders already placed): CRM calls
   (goal: at most 50 for Salesforce, 200 records a call; 100 for HubSpot, 100 a call) and records/s;
2. the same with 1 % of the orders in a status the CRM refuses (Salesforce: a value its restricted
   Order Status picklist lacks, refused per record; HubSpot: an option ``channelsync_status`` lacks,
   refused by the writer's property check before the call): each is a dead letter, nothing else;
3. 1,000 new orders with 5 lines each (the order, its lines, and on HubSpot the associations).

Orders, history, lines and events are written straight into the tables (the push is measured, not
checkout) on this connection's topic (``crm:<connection>:order``), after a first push of what the
pull queued; API calls are the run's (one login each). The sandboxes serve from threads
of this process (the figures include their CPU). ``--runs`` repeats everything from scratch and
prints the spread.

    .venv/bin/python bench/bench_sync_push.py --runs 3
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import insert
from sqlalchemy.engine import Engine
from sqlmodel import col, select

from connector.connections import Connection, load_connections
from connector.factory import open_source
from connector.push.run import PushReport, push_connection
from connector.sync.pull import Puller
from crm_sandbox.hubspot.testing import running_hubspot_sandbox
from crm_sandbox.salesforce.testing import running_salesforce_sandbox
from mappings import load_mapping, shipped
from order_core.actors import Actor
from order_core.catalog.loader import load_catalog
from order_core.catalog.models import Product
from order_core.db import make_engine, new_session, upgrade_schema
from order_core.orders.models import Order, OrderLine, OrderStatusChange
from order_core.outbox import OutboxEvent, event_rows
from order_core.partners.buyers import add_buyer
from order_core.partners.programs import create_program
from order_core.pushback.snapshots import crm_ids
from order_core.types import utcnow

ADMIN = Actor.vendor("admin")
#: Five products the new orders' lines name (the Salesforce sandbox seeds their price book entries).
CATALOG = (
    "products:\n"
    + "".join(
        f"  - {{sku: CS-PLA-00{n}, name: Platform {n}, category: Platform, kind: perpetual, "
        f"list_prices: {{USD: 100.00}}}}\n"
        for n in (1, 2, 3)
    )
    + "".join(
        f"  - {{sku: CS-SEC-00{n}, name: Security {n}, category: Security, kind: perpetual, "
        f"list_prices: {{USD: 100.00}}}}\n"
        for n in (1, 2)
    )
)
SF, HS = "bench-sf", "bench-hs"


@dataclass
class Figure:
    """One measured push."""

    label: str
    records: int
    seconds: float
    writes: int
    calls: int
    delivered: int
    dead: int

    @property
    def per_second(self) -> float:
        """Records pushed per second."""
        return self.records / self.seconds


@contextmanager
def _world(folder: Path) -> Iterator[tuple[Engine, dict[str, Connection]]]:
    with (
        running_salesforce_sandbox(seed=1, records=10) as sf,
        running_hubspot_sandbox(seed=1, records=10) as hs,
    ):
        sf.app.log_bodies = False
        hs.app.log_bodies = False
        hs.app.set_rate_limits(enabled=False)
        path = folder / "connections.yaml"
        path.write_text(
            f"""connections:
  {SF}:
    kind: salesforce
    mapping: {shipped("salesforce")}
    login_url: {sf.base_url}
    ca_bundle: {sf.ca_path}
    auth: {{flow: client_credentials, client_id: {sf.consumer_key}, client_secret_env: S}}
  {HS}:
    kind: hubspot
    mapping: {shipped("hubspot")}
    base_url: {hs.base_url}
    auth: {{flow: private_app, token_env: T}}
""",
            encoding="utf-8",
        )
        conns = load_connections(path, env={"S": sf.consumer_secret, "T": hs.access_token})
        url = f"sqlite:///{folder / 'core.db'}"
        upgrade_schema(url)
        engine = make_engine(url)
        with new_session(engine) as session:
            for code in ("RESELLER", "DISTRIBUTOR"):
                create_program(code, code.title(), session=session, actor=ADMIN)
            load_catalog(CATALOG, session=session, actor=ADMIN)
        for name, conn in conns.items():
            source = open_source(conn)
            try:
                Puller(name, source, load_mapping(conn.mapping_path), engine).run()
            finally:
                source.close()
        for name in conns:  # what the pull itself queued (resellers of record) goes first
            push_connection(name, engine, connections=conns)
        yield engine, dict(conns)
        engine.dispose()


def _partner(engine: Engine, name: str, tag: str) -> tuple[int, int, list[Product]]:
    with new_session(engine) as session:
        linked = crm_ids(session, name, "partner", list(range(1, 500)))
        partner_id = min(linked)
        buyer = add_buyer(
            partner_id, f"bench.{tag}@p.example", "Bench", session=session, actor=ADMIN
        )
        products = list(session.exec(select(Product).order_by(col(Product.id))).all())
        assert buyer.id is not None
        return partner_id, buyer.id, products


def _seed(
    engine: Engine,
    name: str,
    prefix: str,
    n: int,
    *,
    lines: int = 0,
    bad_every: int = 0,
    tag: str = "",
) -> None:
    """``n`` orders of one partner with their history, lines and one event each on the topic."""
    partner_id, buyer_id, products = _partner(engine, name, tag or prefix)
    now = utcnow()
    first = lines > 0
    orders, history, order_lines, events = [], [], [], []
    with new_session(engine) as session:
        start = int(session.exec(select(col(Order.id)).order_by(col(Order.id).desc())).first() or 0)
        for i in range(n):
            oid = start + i + 1
            number = f"{prefix}-{i:06d}"
            bad = bool(bad_every) and i % bad_every == bad_every // 2
            status = "legacy_hold" if bad else ("submitted" if first else "fulfilled")
            orders.append(_order_row(oid, number, partner_id, buyer_id, status, now))
            before = None if first else "accepted"
            history.append(
                {
                    "order_id": oid,
                    "from_status": before,
                    "to_status": status,
                    "at": now,
                    "actor": "bench",
                    "note": "",
                }
            )
            for ln in range(lines):
                p = products[(i + ln) % len(products)]
                order_lines.append(
                    {
                        "order_id": oid,
                        "line_no": ln + 1,
                        "product_id": p.id,
                        "sku": p.sku,
                        "name": p.name,
                        "quantity": 2,
                        "unit_list": Decimal("100.00"),
                        "unit_net": Decimal("90.00"),
                        "line_total": Decimal("180.00"),
                        "trace": "[]",
                    }
                )
            payload: dict[str, Any] = {
                "order_number": number,
                "status": status,
                "previous_status": before,
            }
            events.append((f"crm:{name}:order", "order", number, payload, partner_id))
        session.execute(insert(Order.__table__), orders)  # type: ignore[attr-defined]
        session.execute(insert(OrderStatusChange.__table__), history)  # type: ignore[attr-defined]
        if order_lines:
            session.execute(insert(OrderLine.__table__), order_lines)  # type: ignore[attr-defined]
        session.execute(insert(OutboxEvent.__table__), event_rows(events))  # type: ignore[attr-defined]
        session.commit()


def _order_row(
    oid: int, number: str, partner: int, buyer: int, status: str, now: Any
) -> dict[str, Any]:
    return {
        "id": oid,
        "number": number,
        "partner_id": partner,
        "buyer_id": buyer,
        "end_customer_id": None,
        "distributor_id": None,
        "quote_id": None,
        "po_number": f"PO-{number}",
        "currency": "USD",
        "payment_method": "purchase_order",
        "card_token_id": None,
        "status": status,
        "held_from": None,
        "list_total": Decimal("1000.00"),
        "net_total": Decimal("900.00"),
        "tax_estimate": Decimal("0"),
        "refunded_total": Decimal("0"),
        "content_hash": "bench",
        "notify_end_customer": False,
        "notes": None,
        "created_at": now,
        "updated_at": now,
        "submitted_at": now,
    }


def _push(
    engine: Engine, conns: dict[str, Connection], name: str, label: str, records: int
) -> Figure:
    report: PushReport = push_connection(name, engine, connections=conns)
    figures = report.topics[f"crm:{name}:order"]
    return Figure(
        label,
        records,
        report.seconds,
        figures.crm_calls,
        report.api_calls,
        figures.delivered,
        figures.dead_lettered,
    )


def one_run(n: int, new_orders: int) -> list[Figure]:
    """Every scenario on both CRMs, from scratch."""
    out = []
    with tempfile.TemporaryDirectory() as tmp, _world(Path(tmp)) as (engine, conns):
        for name, crm in ((SF, "Salesforce"), (HS, "HubSpot")):
            short = name[-2:].upper()
            _seed(engine, name, f"ST{short}", n)
            out.append(_push(engine, conns, name, f"{crm}: {n:,} status changes", n))
            _seed(engine, name, f"RJ{short}", n, bad_every=100, tag=f"rj{short}")
            out.append(_push(engine, conns, name, f"{crm}: {n:,} changes, 1 % refused", n))
            _seed(engine, name, f"NW{short}", new_orders, lines=5, tag=f"nw{short}")
            out.append(
                _push(
                    engine,
                    conns,
                    name,
                    f"{crm}: {new_orders:,} new orders x 5 lines",
                    new_orders * 6,
                )
            )
    return out


def main() -> None:
    """Run the scenarios ``--runs`` times and print each run and the spread."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--changes", type=int, default=10_000)
    parser.add_argument("--new-orders", type=int, default=1_000)
    args = parser.parse_args()
    runs = []
    for r in range(args.runs):
        figures = one_run(args.changes, args.new_orders)
        runs.append(figures)
        print(f"run {r + 1}")
        for f in figures:
            print(
                f"  {f.label:<40} {f.records:>7,} records in {f.seconds:6.2f} s = "
                f"{f.per_second:>7,.0f}/s, {f.writes:>4} write calls ({f.calls} API calls), "
                f"{f.delivered:>6,} delivered, "
                f"{f.dead:>4} dead letters"
            )
    print("spread over runs (records/s: min / median / max; (write calls, API calls))")
    for i, first in enumerate(runs[0]):
        rates = [run[i].per_second for run in runs]
        calls = sorted({(run[i].writes, run[i].calls) for run in runs})
        print(
            f"  {first.label:<40} {min(rates):>7,.0f} / {statistics.median(rates):>7,.0f} / "
            f"{max(rates):>7,.0f}   calls {calls}"
        )


if __name__ == "__main__":
    main()
