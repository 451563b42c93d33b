"""Benchmark: records/s the HubSpot sandbox serves through hubspot-api-client list and search paging.

Run: ``.venv/bin/python bench/bench_sandbox_hubspot.py [--records N]``. Rate limits are switched
off so the figure measures the sandbox (and the client), not HubSpot's budgets.
"""

from __future__ import annotations

import argparse
import time
from typing import Any

import httpx
from hubspot import HubSpot
from hubspot.crm.deals import PublicObjectSearchRequest

from crm_sandbox.hubspot import RateLimitConfig, running_hubspot_sandbox


def _list_all(client: HubSpot) -> int:
    count, after = 0, None
    while True:
        page = client.crm.deals.basic_api.get_page(
            limit=100, after=after, properties=["dealname", "amount", "hs_lastmodifieddate"]
        )
        count += len(page.results)
        if page.paging is None:
            return count
        after = page.paging.next.after


def _search_all(client: HubSpot) -> int:
    count, after = 0, None
    sort = [{"propertyName": "hs_lastmodifieddate", "direction": "ASCENDING"}]
    flt = {"propertyName": "hs_lastmodifieddate", "operator": "GTE", "value": "0"}
    while True:
        page = client.crm.deals.search_api.do_search(
            PublicObjectSearchRequest(
                filter_groups=[{"filters": [flt]}],
                sorts=sort,
                properties=["dealname", "amount"],
                limit=200,
                after=after,
            )
        )
        count += len(page.results)
        if page.paging is None:
            return count
        after = page.paging.next.after


def _raw_pages(http: httpx.Client, search: bool) -> int:
    """Same paging over plain HTTP (httpx): the sandbox's own serving speed, without the
    client's model deserialisation (which dominates the figures above)."""
    count, after = 0, None
    while True:
        if search:
            body: dict[str, Any] = {"limit": 200, "properties": ["dealname", "amount"]}
            body["sorts"] = [{"propertyName": "hs_lastmodifieddate", "direction": "ASCENDING"}]
            if after:
                body["after"] = after
            data = http.post("/crm/v3/objects/deals/search", json=body).json()
        else:
            params: dict[str, Any] = {"limit": 100, "properties": ["dealname", "amount"]}
            if after:
                params["after"] = after
            data = http.get("/crm/v3/objects/deals", params=params).json()
        count += len(data["results"])
        if "paging" not in data:
            return count
        after = data["paging"]["next"]["after"]


def main() -> None:
    """Serve a seeded sandbox and print list and search throughput."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=5000, help="number of seeded deals")
    args = parser.parse_args()
    with running_hubspot_sandbox(
        seed=1, records=args.records, rate_limits=RateLimitConfig(enabled=False)
    ) as sandbox:
        client = HubSpot(access_token=sandbox.access_token, host=sandbox.base_url)
        for name, fn, page in (("list", _list_all, 100), ("search", _search_all, 200)):
            start = time.perf_counter()
            served = fn(client)
            elapsed = time.perf_counter() - start
            print(
                f"hubspot-api-client {name:6s}: {served} deals in {elapsed:.2f}s "
                f"({page}-record pages) = {served / elapsed:,.0f} records/s"
            )
        headers = {"Authorization": f"Bearer {sandbox.access_token}"}
        with httpx.Client(base_url=sandbox.base_url, headers=headers) as http:
            for name, search, page in (("list", False, 100), ("search", True, 200)):
                start = time.perf_counter()
                served = _raw_pages(http, search)
                elapsed = time.perf_counter() - start
                print(
                    f"raw httpx          {name:6s}: {served} deals in {elapsed:.2f}s "
                    f"({page}-record pages) = {served / elapsed:,.0f} records/s"
                )


if __name__ == "__main__":
    main()
