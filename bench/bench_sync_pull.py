"""Benchmark: the incremental pull end to end, CRM sandbox -> mapping -> core (issue 11's goals).

The sandbox serves from its own process (as ``channelsync sandbox serve`` does), so the pull's JSON
parsing, mapping and writes have this process to themselves. Prints, per database: a full pull's
records/s and API calls, an immediate re-run, an incremental pull after 1 % of the records changed,
and the peak RSS of the pulling process; with ``--reconcile``, a reconcile of the pulled objects
afterwards (records/s, calls, and the peak RSS again: flat if the reconcile holds neither side);
with ``--floor`` (SQLite), the full pull's rows written again with nothing else
(``storage_floor.py``): what they cost the storage layer alone on this machine.

    .venv/bin/python bench/bench_sync_pull.py --records 100000 --db sqlite
    .venv/bin/python bench/bench_sync_pull.py --records 100000 --db postgres
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import resource
import shutil
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import psycopg
from seed_checkout import seed_checkout
from storage_floor import Snapshot, print_floor

from connector.connections import load_connections
from connector.factory import open_source
from connector.sync.pull import Puller, PullOptions
from connector.sync.reconcile import Reconciler
from connector.sync.report import RunReport
from crm_sandbox.common.server import serve_forever
from crm_sandbox.salesforce.app import SalesforceSandboxApp
from crm_sandbox.salesforce.auth import Credentials
from crm_sandbox.salesforce.tls import make_tls
from mappings import load_mapping, shipped
from order_core.actors import Actor
from order_core.db import make_engine, new_session
from order_core.models import metadata
from order_core.orders.checkout import CartItem, place_order
from order_core.partners.buyers import buyer_actor
from order_core.partners.programs import create_program

OBJECTS = ["Account", "Opportunity"]


def _serve(records: int, cert_dir: str, ready: Any) -> None:
    app = SalesforceSandboxApp(seed=1, records=records)
    tls = make_tls(cert_dir)

    def announce(base_url: str) -> None:
        app.base_url = base_url
        ready.put((base_url, tls.ca_path))

    serve_forever(app, host="127.0.0.1", port=0, tls=tls.context, ready=announce)


def _checkouts(url: str, buyer_id: int, stop: Any, latencies: Any) -> None:
    """Another process: one checkout after another until ``stop``, each one's seconds reported."""
    engine = make_engine(url)
    session = new_session(engine)
    actor = buyer_actor(session, buyer_id)
    session.commit()
    times: list[float] = []
    while not stop.is_set():
        started = time.perf_counter()
        place_order(
            session=session, actor=actor, payment_method="credit_line", lines=[CartItem("SKU-0", 1)]
        )
        times.append(time.perf_counter() - started)
        time.sleep(0.02)
    session.close()
    engine.dispose()
    latencies.put(times)


def _p95(times: list[float]) -> float:
    ordered = sorted(times)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]


def _latencies(times: list[float]) -> str:
    if not times:
        return "no checkout finished"
    p50, p95 = statistics.median(times) * 1000, _p95(times) * 1000
    return f"{len(times)} checkouts, p50 {p50:.1f} ms, p95 {p95:.1f} ms"


class CheckoutProbe:
    """Checkouts running in another process while something else happens in this one."""

    def __init__(self, url: str, buyer_id: int) -> None:
        ctx = multiprocessing.get_context("spawn")
        self.stop, self.latencies = ctx.Event(), ctx.Queue()
        self.process = ctx.Process(
            target=_checkouts, args=(url, buyer_id, self.stop, self.latencies)
        )
        self.process.start()

    def finish(self) -> list[float]:
        """Stop the checkouts; each one's seconds."""
        self.stop.set()
        times: list[float] = self.latencies.get(timeout=120)
        self.process.join()
        return times


def _touch(base_url: str, ca_path: str, obj: str, share: float) -> int:
    """Change ``share`` of an object's records through the sandbox's admin API (new stamps)."""
    with httpx.Client(base_url=base_url, verify=ca_path, timeout=120) as http:
        answer = http.post(f"/__admin/salesforce/edit/{obj}", json={"share": share})
        answer.raise_for_status()
        return int(answer.json()["edited"])


def _line(label: str, report: RunReport, seconds: float, cpu: float) -> None:
    read = report.total("read")
    rate = read / seconds if seconds else 0.0
    per = cpu / read * 1e6 if read else 0.0
    print(
        f"  {label:<26} {read:>8} records in {seconds:7.2f} s = {rate:>8,.0f}/s "
        f"({per:5.0f} us CPU each), "
        f"{report.api_calls:>4} API calls, created {report.total('created')}, "
        f"updated {report.total('updated')}, unchanged {report.total('unchanged')}"
    )


def _cpu_s(pid: int) -> float:
    """CPU seconds (user + system) another process of this machine has spent so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"


def _core(db: str, folder: Path) -> tuple[str, str | None]:
    if db == "sqlite":
        return f"sqlite:///{folder / 'core.db'}", None
    name = f"bench_sync_{int(time.time())}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}", name


def _drop(name: str) -> None:
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main() -> None:
    """Run the benchmark; print the figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=20_000, help="opportunities in the sandbox")
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument(
        "--checkouts", action="store_true", help="time checkouts idle and during the full pull"
    )
    parser.add_argument(
        "--reconcile", action="store_true", help="then reconcile the pulled objects (in sync)"
    )
    parser.add_argument(
        "--floor",
        action="store_true",
        help="SQLite: then write the full pull's rows again with nothing else (storage_floor.py)",
    )
    args = parser.parse_args()
    if args.floor and args.db != "sqlite":
        parser.error("--floor: the storage floor is measured on SQLite only; leave out --db")
    folder = Path(tempfile.mkdtemp(prefix="bench-sync-"))
    ready: Any = multiprocessing.get_context("spawn").Queue()
    server = multiprocessing.get_context("spawn").Process(
        target=_serve, args=(args.records, str(folder), ready), daemon=True
    )
    server.start()
    base_url, ca_path = ready.get(timeout=600)
    creds = Credentials()
    (folder / "connections.yaml").write_text(
        f"""connections:
  bench-sf:
    kind: salesforce
    mapping: {shipped("salesforce")}
    login_url: {base_url}
    ca_bundle: {ca_path}
    auth: {{flow: client_credentials, client_id: {creds.consumer_key}, client_secret_env: S}}
""",
        encoding="utf-8",
    )
    conn = load_connections(folder / "connections.yaml", env={"S": creds.consumer_secret})[
        "bench-sf"
    ]
    url, pg_name = _core(args.db, folder)
    engine = make_engine(url)
    metadata.create_all(engine)
    with new_session(engine) as session:
        for code in ("RESELLER", "DISTRIBUTOR"):
            create_program(code, code.title(), session=session, actor=Actor.vendor("bench"))
    buyer_id = seed_checkout(engine, 1, 100_000)[0][0] if args.checkouts else 0
    puller = Puller("bench-sf", open_source(conn), load_mapping(conn.mapping_path), engine)
    print(
        f"Salesforce sandbox, {args.records:,} opportunities, objects {OBJECTS}, core on {args.db}"
    )
    try:
        options = PullOptions(objects=OBJECTS)
        idle: list[float] = []
        if args.checkouts:
            probe = CheckoutProbe(url, buyer_id)
            time.sleep(5)
            idle = probe.finish()
            print(f"  checkouts, idle:             {_latencies(idle)}")
            probe = CheckoutProbe(url, buyer_id)
            time.sleep(2)  # the probe's process has started and warmed up
        snapshot = Snapshot.take(folder / "core.db", folder / "floor.db") if args.floor else None
        started, cpu = time.perf_counter(), time.process_time()
        served = _cpu_s(server.pid) if server.pid else 0.0
        if os.environ.get("BENCH_PROFILE"):
            import cProfile

            profiler = cProfile.Profile()
            full = profiler.runcall(puller.run, options)
            profiler.dump_stats(os.environ["BENCH_PROFILE"])
        else:
            full = puller.run(options)
        pull_seconds = time.perf_counter() - started
        _line("full pull", full, pull_seconds, time.process_time() - cpu)
        if server.pid and full.total("read"):
            each = (_cpu_s(server.pid) - served) / full.total("read") * 1e6
            print(
                f"  {'':<26} the sandbox's process spent {each:5.0f} us CPU per record serving it"
            )
        if args.checkouts:
            during = probe.finish()
            print(f"  checkouts during the pull:  {_latencies(during)}")
            if idle and during:
                print(f"  checkout p95 during / idle:  {_p95(during) / _p95(idle):.1f}x (goal: 2x)")
        if snapshot is not None:
            print_floor(folder / "core.db", snapshot, full.total("read"), pull_seconds)
        started, cpu = time.perf_counter(), time.process_time()
        again = puller.run(options)
        _line("immediate re-run", again, time.perf_counter() - started, time.process_time() - cpu)
        touched = sum(_touch(base_url, ca_path, obj, 0.01) for obj in OBJECTS)
        started, cpu = time.perf_counter(), time.process_time()
        incremental = puller.run(options)
        spent = time.perf_counter() - started, time.process_time() - cpu
        _line(f"incremental ({touched} changed)", incremental, *spent)
        print(f"  peak RSS of the pulling process: {_peak_mib():,.0f} MiB")
        if args.reconcile:
            started, cpu = time.perf_counter(), time.process_time()
            checked = Reconciler(puller).run(objects=OBJECTS)
            seconds = time.perf_counter() - started
            read = sum(o.crm for o in checked.objects.values())
            print(
                f"  {'reconcile (in sync)':<26} {read:>8} records in {seconds:7.2f} s = "
                f"{read / seconds:>8,.0f}/s ({(time.process_time() - cpu) / read * 1e6:5.0f} us "
                f"CPU each), {checked.api_calls:>4} API calls, drift {checked.drift}; "
                f"peak RSS now {_peak_mib():,.0f} MiB"
            )
    finally:
        puller.source.close()
        engine.dispose()
        server.terminate()
        if pg_name:
            _drop(pg_name)
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
