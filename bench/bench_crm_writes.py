"""Benchmark: the CRM write clients (connector.salesforce / connector.hubspot writers) against the
sandboxes, each serving from its own process.

For each CRM it upserts N orders by their channelsync id (all new), the same N again (all updates),
then N with a share of them rejected:

* Salesforce: per record (an Order status the org does not have: the call still carries 200) and
  as a whole call (a value of the wrong JSON type refuses the call with a 400: the writer halves
  it until the record is alone);
* HubSpot: a value a property cannot hold, which refuses the whole call with a 400: caught before
  sending by the writer's check against the property definitions, and, with that check off, found
  by halving.

Prints seconds, records/s, API calls (every counted call: logins and definition reads too) and
failures. HubSpot is paced under its limits (190 calls per 10 s and 19 per second for a private
app), so its records/s are bounded by about 19 calls/s x 100 records.

    .venv/bin/python bench/bench_crm_writes.py --records 10000
"""

from __future__ import annotations

import argparse
import multiprocessing
import tempfile
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

from connector.budget import ApiBudget
from connector.connections import load_connections
from connector.hubspot import open_hubspot_writer
from connector.salesforce import open_salesforce_writer
from connector.writes import WriteResults
from crm_sandbox.common.server import serve_forever
from crm_sandbox.hubspot.app import create_app
from crm_sandbox.salesforce.app import SalesforceSandboxApp
from crm_sandbox.salesforce.auth import Credentials
from crm_sandbox.salesforce.tls import make_tls
from mappings import shipped

HS_TOKEN = "pat-na1-bench-writes"


def _serve_salesforce(cert_dir: str, ready: Any) -> None:
    app = SalesforceSandboxApp(seed=1, records=10)
    app.log_bodies = False
    tls = make_tls(cert_dir)

    def announce(base_url: str) -> None:
        app.base_url = base_url
        ready.put((base_url, tls.ca_path))

    serve_forever(app, host="127.0.0.1", port=0, tls=tls.context, ready=announce)


def _serve_hubspot(ready: Any) -> None:
    app = create_app(seed=1, records=10, access_token=HS_TOKEN)
    app.log_bodies = False
    serve_forever(app, host="127.0.0.1", port=0, ready=lambda url: ready.put((url, "")))


def _start(target: Any, *args: Any) -> tuple[Any, str, str]:
    ctx = multiprocessing.get_context("spawn")
    ready: Any = ctx.Queue()
    process = ctx.Process(target=target, args=(*args, ready), daemon=True)
    process.start()
    base_url, ca_path = ready.get(timeout=120)
    return process, base_url, ca_path


def _timed(label: str, budget: ApiBudget, run: Any) -> WriteResults:
    started, calls = time.perf_counter(), budget.calls
    results: WriteResults = run()
    seconds, n = time.perf_counter() - started, len(results)
    print(
        f"  {label:<44} {n:>7,} records in {seconds:6.2f} s = {n / seconds:>8,.0f}/s, "
        f"{budget.calls - calls:>5} API calls, {len(results.failed):>4} failed"
    )
    return results


def _sf_orders(n: int, status: str, bad: int = 0, whole_call: bool = False) -> list[dict[str, Any]]:
    step = n // bad if bad else 0
    out = []
    for i in range(n):
        rejected = bool(step) and i % step == step // 2
        out.append(
            {
                "Channelsync_Id__c": f"CS-ORD-{i:07d}",
                "Account": {"Channelsync_Id__c": "CS-BENCH-PARTNER"},
                "EffectiveDate": "March 1st" if rejected and whole_call else "2026-03-01",
                "Status": "Shipped" if rejected and not whole_call else status,
                "Name": f"Order {i}",
                "Description": f"total {Decimal('1234.50') + i}",
            }
        )
    return out


def _hs_orders(n: int, status: str, bad: int = 0) -> list[dict[str, Any]]:
    step = n // bad if bad else 0
    return [
        {
            "channelsync_id": f"cs-ord-{i:07d}",
            "hs_order_name": f"Order {i}",
            "hs_total_price": "n/a" if step and i % step == step // 2 else Decimal("1234.50") + i,
            "channelsync_status": status,
        }
        for i in range(n)
    ]


def bench_salesforce(n: int, bad: int, folder: Path) -> None:
    """Salesforce: sObject Collections upserts of Orders by Channelsync_Id__c."""
    process, base_url, ca_path = _start(_serve_salesforce, str(folder))
    creds = Credentials()
    (folder / "sf.yaml").write_text(
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
    conn = load_connections(folder / "sf.yaml", env={"S": creds.consumer_secret})["bench-sf"]
    writer = open_salesforce_writer(conn)
    print(f"Salesforce sandbox (own process), {n:,} Orders, 200 records a call")
    try:
        partner = [{"Channelsync_Id__c": "CS-BENCH-PARTNER", "Name": "Bench partner"}]
        writer.upsert("Account", "Channelsync_Id__c", partner)
        budget = writer.client.budget

        def upsert(*args: Any, **kwargs: Any) -> WriteResults:
            return writer.upsert("Order", "Channelsync_Id__c", _sf_orders(n, *args, **kwargs))

        _timed("upsert, all new", budget, lambda: upsert("Submitted"))
        _timed("upsert, all updates", budget, lambda: upsert("Accepted"))
        _timed(f"{bad} rejected per record", budget, lambda: upsert("Fulfilled", bad))
        _timed(
            f"{bad} refusing their whole call (halved)",
            budget,
            lambda: upsert("Invoiced", bad, whole_call=True),
        )
    finally:
        writer.close()
        process.terminate()


def bench_hubspot(n: int, bad: int, folder: Path) -> None:
    """HubSpot: batch upserts of orders by channelsync_id, paced under the portal's limits."""
    process, base_url, _ = _start(_serve_hubspot)
    (folder / "hs.yaml").write_text(
        f"""connections:
  bench-hs:
    kind: hubspot
    mapping: {shipped("hubspot")}
    base_url: {base_url}
    auth: {{flow: private_app, token_env: T}}
""",
        encoding="utf-8",
    )
    conn = load_connections(folder / "hs.yaml", env={"T": HS_TOKEN})["bench-hs"]
    writer = open_hubspot_writer(conn)
    print(f"HubSpot sandbox (own process), {n:,} orders, 100 inputs a call, paced")
    try:
        budget = writer.client.budget

        def upsert(*args: Any) -> WriteResults:
            return writer.batch_upsert("orders", "channelsync_id", _hs_orders(n, *args))

        _timed("batch upsert, all new", budget, lambda: upsert("submitted"))
        _timed("batch upsert, all updates", budget, lambda: upsert("accepted"))
        _timed(f"{bad} refused values (checked first)", budget, lambda: upsert("fulfilled", bad))
        writer.checks = None
        _timed(f"{bad} refused values (not checked: halved)", budget, lambda: upsert("paid", bad))
        waited = writer.client.pacing.waited
        print(f"  waited for HubSpot's rate windows: {waited:.1f} s in all")
    finally:
        writer.close()
        process.terminate()


def main() -> None:
    """Run the benchmark; print the figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=10_000, help="records per run")
    parser.add_argument("--rejected", type=float, default=0.01, help="share rejected")
    parser.add_argument("--crm", choices=["both", "salesforce", "hubspot"], default="both")
    args = parser.parse_args()
    bad = round(args.records * args.rejected)
    folder = Path(tempfile.mkdtemp(prefix="bench-writes-"))
    if args.crm in ("both", "salesforce"):
        bench_salesforce(args.records, bad, folder)
    if args.crm in ("both", "hubspot"):
        bench_hubspot(args.records, bad, folder)


if __name__ == "__main__":
    main()
