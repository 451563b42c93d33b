"""Benchmark: how fast hubspot-api-client pages HubSpot search results, with and without its models.

Run: ``.venv/bin/python bench/bench_hubspot_client.py [--records N] [--rounds R]``. The sandbox's
rate limits are off and the source's pacing runs on a virtual clock, so the figures measure
decoding, not HubSpot's budgets. Rows:

* ``models``: ``search_api.do_search`` as documented (the client builds its model objects);
* ``raw``: the same call with ``_preload_content=False`` and ``json.loads`` on the body (what
  ``connector.hubspot`` does);
* ``source``: ``HubSpotSource.changed`` end to end (keyset pages, ``RawRecord``s), without and
  with one association batch read per page.

``wall`` is records per second of elapsed time (the in-process sandbox's own work included: a
keyset query misses its result cache, so it filters and sorts every deal per page); ``client`` is
records per second of the CPU time of this thread and of the source's search worker (per-thread
CPU clocks; the sandbox serves from other threads), i.e. what reading costs on our side.
"""

from __future__ import annotations

import argparse
import json
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from hubspot import HubSpot
from pydantic import SecretStr

from connector.connections import Connection, HubSpotSpec, PrivateApp
from connector.hubspot import Clock, HubSpotSource, open_hubspot
from crm_sandbox.hubspot import RateLimitConfig, running_hubspot_sandbox

PROPS = ["dealname", "amount", "dealstage", "closedate", "pipeline", "deal_currency_code"]


class _Virtual:
    """A clock that moves only when slept on: pacing costs no wall time."""

    def __init__(self) -> None:
        self.t = 0.0

    def now(self) -> float:
        return self.t

    def sleep(self, seconds: float) -> None:
        self.t += seconds


def _body(after: str | None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "limit": 200,
        "properties": PROPS,
        "sorts": [{"propertyName": "hs_lastmodifieddate", "direction": "ASCENDING"}],
    }
    if after:
        body["after"] = after
    return body


def _models(client: HubSpot) -> int:
    api, count, after = client.crm.objects.search_api, 0, None
    while True:
        page = api.do_search("deals", _body(after))
        count += sum(1 for r in page.results if r.properties)
        if page.paging is None:
            return count
        after = page.paging.next.after


def _raw(client: HubSpot) -> int:
    api, count, after = client.crm.objects.search_api, 0, None
    while True:
        response = api.do_search("deals", _body(after), _preload_content=False)
        data = json.loads(response.data)
        count += sum(1 for r in data["results"] if r["properties"])
        nxt = (data.get("paging") or {}).get("next")
        if not nxt:
            return count
        after = nxt["after"]


_WORKER_CPU: dict[int, float] = {}  # CPU seconds of the source's search workers, by thread


def _stream(source: HubSpotSource, associations: list[str]) -> int:
    served = 0
    for page in source.changed("deals", PROPS, associations, None):
        served += len(page.records)
        for thread in threading.enumerate():
            if thread.name.startswith(f"{source.name}-search") and thread.ident is not None:
                clock = time.pthread_getcpuclockid(thread.ident)
                _WORKER_CPU[thread.ident] = time.clock_gettime(clock)
    return served


def _best(fn: Callable[[], int], rounds: int) -> tuple[int, float, float]:
    wall = cpu = float("inf")
    served = 0
    for _ in range(rounds):
        _WORKER_CPU.clear()
        start, start_cpu = time.perf_counter(), time.thread_time()
        served = fn()
        wall = min(wall, time.perf_counter() - start)
        cpu = min(cpu, time.thread_time() - start_cpu + sum(_WORKER_CPU.values()))
    return served, wall, cpu


def main() -> None:
    """Serve a seeded sandbox and print records/s per way of reading search pages."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=5000, help="seeded deals (at most 10,000)")
    parser.add_argument("--rounds", type=int, default=3, help="runs per row; the best is shown")
    args = parser.parse_args()
    with running_hubspot_sandbox(
        seed=1, records=args.records, rate_limits=RateLimitConfig(enabled=False)
    ) as sandbox:
        client = HubSpot(access_token=sandbox.access_token, host=sandbox.base_url)
        spec = HubSpotSpec(
            kind="hubspot",
            mapping="hubspot.yaml",
            base_url=sandbox.base_url,
            auth=PrivateApp(flow="private_app", token_env="BENCH_TOKEN"),
        )
        connection = Connection(
            name="bench",
            spec=spec,
            mapping_path=Path("mappings/hubspot.yaml"),
            secrets={"token": SecretStr(sandbox.access_token)},
        )
        virtual = _Virtual()
        source = open_hubspot(connection, clock=Clock(virtual.now, virtual.sleep))
        rows: list[tuple[str, Callable[[], int]]] = [
            ("models (do_search)", lambda: _models(client)),
            ("raw (_preload_content=False)", lambda: _raw(client)),
            ("source, no associations", lambda: _stream(source, [])),
            ("source, + companies", lambda: _stream(source, ["companies"])),
        ]
        _raw(client)  # warm the sandbox and the connection pool
        for name, fn in rows:
            served, wall, cpu = _best(fn, args.rounds)
            print(
                f"{name:30s}: {served} deals, wall {wall:.2f}s = {served / wall:7,.0f} records/s, "
                f"client CPU {cpu:.2f}s = {served / cpu:7,.0f} records/s"
            )
        source.close()


if __name__ == "__main__":
    main()
