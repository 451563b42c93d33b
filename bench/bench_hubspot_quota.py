"""Benchmark: how much of HubSpot's rate quota a full pull uses, against the sandbox with limits on.

Run: ``.venv/bin/python bench/bench_hubspot_quota.py [--records N]``. The sandbox runs in a process
of its own (as HubSpot is remote: its work does not share our interpreter lock) and enforces
HubSpot's budgets (190 requests per rolling 10 s, search 5 per second, 429 beyond); the source
paces itself on the real clock. It pulls every object of ``mappings/hubspot.yaml`` with the fields
and associations the mapping reads and prints per object the searches, association reads, elapsed
time and the share of the quota used: the least time HubSpot's limits allow for those calls,
``max(searches / 5, calls / 19)`` seconds, divided by the time taken (the first object's figure
is inflated by the burst an idle window allows). 429s are counted from the sandbox's request log.
"""

from __future__ import annotations

import argparse
import multiprocessing
import time
from multiprocessing.connection import Connection as Pipe
from pathlib import Path
from typing import Any

import httpx
from pydantic import SecretStr

from connector.connections import Connection, HubSpotSpec, PrivateApp
from connector.hubspot import open_hubspot
from crm_sandbox.hubspot import RateLimitConfig, running_hubspot_sandbox
from mappings.loader import load_mapping, shipped

SEARCHES_PER_SECOND = 5
REQUESTS_PER_SECOND = 19  # 190 per 10 s


def _serve(records: int, pipe: Pipe) -> None:
    """The sandbox process: serve until the parent says stop."""
    with running_hubspot_sandbox(seed=1, records=records, rate_limits=RateLimitConfig()) as sb:
        pipe.send((sb.base_url, sb.access_token))
        pipe.recv()


def _calls(admin: httpx.Client) -> dict[str, int]:
    data: dict[str, int] = admin.get("/__admin/calls").json()
    return data


def main() -> None:
    """Serve a seeded sandbox with rate limits on and print the quota share of a full pull."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=3000, help="seeded deals")
    args = parser.parse_args()
    mapping = load_mapping(shipped("hubspot"))
    ours, theirs = multiprocessing.get_context("spawn").Pipe()
    server = multiprocessing.get_context("spawn").Process(
        target=_serve, args=(args.records, theirs)
    )
    server.start()
    base_url, token = ours.recv()
    spec = HubSpotSpec(
        kind="hubspot",
        mapping=str(shipped("hubspot")),
        base_url=base_url,
        auth=PrivateApp(flow="private_app", token_env="BENCH_TOKEN"),
    )
    connection = Connection(
        name="bench",
        spec=spec,
        mapping_path=Path(spec.mapping),
        secrets={"token": SecretStr(token)},
    )
    source = open_hubspot(connection)
    try:
        with httpx.Client(base_url=base_url) as admin:
            admin.delete("/__admin/requests")
            total_allowed = total_elapsed = 0.0
            for obj in mapping.routes:
                fields, assoc = mapping.crm_fields(obj), mapping.associations(obj)
                before = _calls(admin)
                start = time.perf_counter()
                read = sum(len(p.records) for p in source.changed(obj, fields, assoc, None))
                elapsed = time.perf_counter() - start
                after = _calls(admin)
                calls = {k: v - before.get(k, 0) for k, v in after.items()}
                searches = sum(v for k, v in calls.items() if k.endswith(".search"))
                made = sum(calls.values())
                allowed = max(searches / SEARCHES_PER_SECOND, made / REQUESTS_PER_SECOND)
                total_allowed += allowed
                total_elapsed += elapsed
                print(
                    f"{obj:10s}: {read:6d} records, {searches:3d} searches, "
                    f"{made - searches:3d} association reads, {elapsed:6.2f}s "
                    f"({read / elapsed:6,.0f} records/s), quota used {allowed / elapsed:.0%}"
                )
            log: list[dict[str, Any]] = admin.get("/__admin/requests").json()
            statuses = [r["status"] for r in log]
        print(
            f"total     : {len(statuses)} calls in {total_elapsed:.2f}s, quota used "
            f"{total_allowed / total_elapsed:.0%}, 429s: {statuses.count(429)}, "
            f"waited on our side {source.client.pacing.waited:.1f}s"
        )
    finally:
        source.close()
        ours.send("stop")
        server.join(timeout=10)


if __name__ == "__main__":
    main()
