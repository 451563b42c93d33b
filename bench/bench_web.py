"""Benchmark: the customer's web app under load on PostgreSQL.

A throwaway PostgreSQL database gets a branded reseller, a small catalog and 51 sent quotes; the app
runs as ``channelsync web`` in its own process (default pool and settings). Then, from one client
process: 200 concurrent views of one quote page (p50 / p95 / max printed), and 50 concurrent
acceptances of 50 different quotes (each from its own browser session: page, cookie, form), then
the same 50 forms sent again at once. Checked: no error, each accepted quote exactly one order,
every second submission refused (409).

Run: ``.venv/bin/python bench/bench_web.py [--views 200] [--accepts 50] [--pg postgresql://postgres@127.0.0.1:5432/postgres]``
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import time
import uuid
from datetime import timedelta
from decimal import Decimal

import httpx
import psycopg
from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import col, select

from order_core.actors import Actor
from order_core.catalog.models import AuthorizationRule, BuyPrice, ListPrice, Product
from order_core.customers.models import EndCustomer
from order_core.db import make_engine, new_session
from order_core.models import metadata
from order_core.orders.models import Order
from order_core.partners.branding import set_branding
from order_core.partners.models import Buyer, Partner, Program, ProgramMembership
from order_core.payments.models import PaymentMethodRule
from order_core.pricing_inputs.builder import QuoteLineInput
from order_core.quotes.approvals import submit_quote
from order_core.quotes.sending import send_quote
from order_core.quotes.services import create_quote
from order_core.types import utcnow

START = "import sys; from channelsync.cli import main; sys.argv = ['channelsync', *sys.argv[1:]]; main()"
ADMIN = Actor.vendor("bench@vendor.test", "admin")
SALES = Actor.vendor("sales@vendor.test", "sales_ops")


def seed(engine: Engine, quotes: int) -> list[tuple[str, str]]:
    """A branded reseller, 5 products, ``quotes`` sent quotes; returns (number, token) of each."""
    metadata.create_all(engine)
    with new_session(engine) as s:
        program = Program(code="GOLD", name="Gold")
        reseller = Partner(name="Bench Resale", tier="Gold", country="US", currency="USD")
        s.add_all([program, reseller])
        s.flush()
        assert program.id and reseller.id
        start = utcnow().date() - timedelta(days=1)
        s.add(ProgramMembership(partner_id=reseller.id, program_id=program.id, starts_on=start))
        s.add(BuyPrice(program_id=program.id, percent_off=Decimal("12.5")))
        s.add(AuthorizationRule(effect="allow", scope="all"))
        s.add(PaymentMethodRule(method="purchase_order"))
        s.add(Buyer(partner_id=reseller.id, email="buyer@bench.test", name="Bench Buyer"))
        customer = EndCustomer(name="Bench Customer", email="c@customer.test", country="US")
        s.add(customer)
        for n in range(5):
            product = Product(sku=f"SKU-{n}", name=f"Product {n}", category="software")
            s.add(product)
            s.flush()
            assert product.id is not None
            s.add(ListPrice(product_id=product.id, currency="USD", amount=Decimal(f"{100 + n}.99")))
        s.commit()
        set_branding(reseller.id, session=s, actor=ADMIN, display_name="Bench Resale", primary_color="#0B5394")  # fmt: skip
        lines = [QuoteLineInput(f"SKU-{n}", n + 1) for n in range(5)]
        sent = []
        for _ in range(quotes):
            quote = create_quote(reseller.id, lines, session=s, actor=SALES, end_customer_id=customer.id)  # fmt: skip
            assert quote.id is not None
            submit_quote(quote.id, session=s, actor=SALES)
            result = send_quote(quote.id, session=s, actor=SALES)
            sent.append((quote.number, result.token))
        return sent


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


async def page_views(base: str, number: str, token: str, count: int) -> list[float]:
    """``count`` concurrent GETs of one quote page; seconds each (all must be 200)."""
    url = f"{base}/quotes/{number}/v1/accept?token={token}"
    limits = httpx.Limits(max_connections=count, max_keepalive_connections=count)
    async with httpx.AsyncClient(limits=limits, timeout=120) as client:

        async def one() -> float:
            started = time.perf_counter()
            answer = await client.get(url)
            assert answer.status_code == 200 and "Accept quote" in answer.text, answer.status_code
            return time.perf_counter() - started

        return list(await asyncio.gather(*(one() for _ in range(count))))


async def accepts(base: str, sent: list[tuple[str, str]]) -> tuple[list[float], list[int]]:
    """Each quote accepted from its own session at once, then the same forms again at once."""
    clients = [httpx.AsyncClient(base_url=base, timeout=120) for _ in sent]
    try:
        forms = []
        for client, (number, token) in zip(clients, sent, strict=True):
            page = await client.get(f"/quotes/{number}/v1/accept?token={token}")
            accept_form = page.text.split('action="', 1)[1].split("</form>", 1)[0]
            hidden = dict(re.findall(r'name="(token|form_token)" value="([^"]*)"', accept_form))
            forms.append({**hidden, "name": "Bench Buyer", "email": "b@customer.test", "po_number": f"PO-{number}"})  # fmt: skip

        async def submit(client: httpx.AsyncClient, number: str, form: dict[str, str]) -> tuple[float, int]:  # fmt: skip
            started = time.perf_counter()
            answer = await client.post(f"/quotes/{number}/v1/accept", data=form)
            return time.perf_counter() - started, answer.status_code

        jobs = zip(clients, [n for n, _ in sent], forms, strict=True)
        first = await asyncio.gather(*(submit(c, n, f) for c, n, f in jobs))
        assert [code for _, code in first] == [303] * len(sent), [code for _, code in first]
        again = await asyncio.gather(
            *(submit(c, n, f) for c, n, f in zip(clients, [n for n, _ in sent], forms, strict=True))
        )
        return [t for t, _ in first], [code for _, code in again]
    finally:
        for client in clients:
            await client.aclose()


def run(pg_admin: str, views: int, accept_count: int) -> None:
    """Seed, serve, load, check, drop."""
    name = f"channelsync_bench_web_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(pg_admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = pg_admin.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://") + f"/{name}"
    engine = make_engine(url)
    server: subprocess.Popen[str] | None = None
    try:
        sent = seed(engine, accept_count + 1)
        port = _free_port()
        env = {**os.environ, "CHANNELSYNC_DATABASE_URL": url}
        server = subprocess.Popen(
            [sys.executable, "-c", START, "web", "--port", str(port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=open(os.environ.get("BENCH_WEB_LOG", os.devnull), "w"),  # noqa: SIM115
            text=True,
        )
        base = f"http://127.0.0.1:{port}"
        for _ in range(200):
            try:
                if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.05)
        asyncio.run(page_views(base, *sent[0], count=5))  # warm-up (templates, first connections)
        started = time.perf_counter()
        times = asyncio.run(page_views(base, *sent[0], count=views))
        wall = time.perf_counter() - started
        print(f"{views} concurrent page views: all 200 in {wall:.2f} s; per page "
              f"p50 {statistics.median(times) * 1000:.0f} ms, p95 {_percentile(times, 0.95) * 1000:.0f} ms, "
              f"max {max(times) * 1000:.0f} ms")  # fmt: skip
        started = time.perf_counter()
        accept_times, again = asyncio.run(accepts(base, sent[1:]))
        wall = time.perf_counter() - started
        with new_session(engine) as s:
            per_quote = s.exec(
                select(Order.quote_id, func.count()).group_by(col(Order.quote_id))
            ).all()
        counts = sorted(n for _, n in per_quote)
        assert counts == [1] * accept_count, counts
        assert again == [409] * accept_count, again
        print(f"{accept_count} concurrent accepts of different quotes: all 303, {len(per_quote)} orders "
              f"(one per quote), p95 {_percentile(accept_times, 0.95) * 1000:.0f} ms; the same "
              f"{accept_count} forms again: all 409, no new order ({wall:.2f} s for both rounds)")  # fmt: skip
    finally:
        if server is not None:
            server.send_signal(signal.SIGINT)
            server.wait(30)
        engine.dispose()
        with psycopg.connect(pg_admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main() -> None:
    """Parse the arguments and run."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--views", type=int, default=200)
    parser.add_argument("--accepts", type=int, default=50)
    parser.add_argument(
        "--pg",
        default=os.environ.get(
            "CHANNELSYNC_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres"
        ),
    )
    args = parser.parse_args()
    run(args.pg, args.views, args.accepts)


if __name__ == "__main__":
    main()
