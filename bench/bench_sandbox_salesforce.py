"""Benchmark: records/s the Salesforce sandbox serves in 2,000-record query pages (goal >= 20,000/s).

The server runs in its own process (as ``channelsync sandbox serve`` does) so the client's JSON
parsing does not share a GIL with it; a last figure serves the same pages in-process, without
sockets or TLS, to show the server's own cost.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import tempfile
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

import requests
from simple_salesforce.api import Salesforce

from crm_sandbox.common.http import Request
from crm_sandbox.common.server import serve_forever
from crm_sandbox.salesforce.app import SalesforceSandboxApp
from crm_sandbox.salesforce.auth import Credentials
from crm_sandbox.salesforce.testing import LoginHostAdapter
from crm_sandbox.salesforce.tls import make_tls

SOQL = (
    "SELECT Id, Name, StageName, Amount, CloseDate, AccountId, PartnerAccountId, "
    "Deal_Registration__c, Quote_Requested__c, SystemModstamp FROM Opportunity "
    "ORDER BY SystemModstamp, Id"
)


def _serve(records: int, cert_dir: str, ready: Any) -> None:
    """Child process: seed, serve over HTTPS, report (base URL, CA path) through ``ready``."""
    app = SalesforceSandboxApp(seed=1, records=records)
    tls = make_tls(cert_dir)

    def announce(base_url: str) -> None:
        app.base_url = base_url
        ready.put((base_url, tls.ca_path))

    serve_forever(app, host="127.0.0.1", port=0, tls=tls.context, ready=announce)


def _session(base_url: str, ca_path: str) -> requests.Session:
    session = requests.Session()
    session.mount("https://", LoginHostAdapter(base_url, ca_path))
    return session


def _token(session: requests.Session, base_url: str) -> str:
    creds = Credentials()
    response = session.post(
        f"{base_url}/services/oauth2/token",
        data={
            "grant_type": "client_credentials",
            "client_id": creds.consumer_key,
            "client_secret": creds.consumer_secret,
        },
    )
    response.raise_for_status()
    return str(response.json()["access_token"])


def _simple_salesforce(sf: Any) -> int:
    return len(sf.query_all(SOQL)["records"])


def _raw(session: requests.Session, base_url: str) -> int:
    page = session.get(f"{base_url}/services/data/v59.0/query/", params={"q": SOQL}).json()
    count = len(page["records"])
    while not page["done"]:
        page = session.get(base_url + page["nextRecordsUrl"]).json()
        count += len(page["records"])
    return count


def _in_process(app: SalesforceSandboxApp, token: str) -> int:
    """Serve every page without sockets, TLS or a second process: the server's own cost."""
    headers = {"Authorization": f"Bearer {token}"}
    target = "/services/data/v59.0/query/?" + urlencode({"q": SOQL})
    count = 0
    while target:
        response, _ = app.dispatch(Request.parse("GET", target, headers, b""))
        page = json.loads(response.body)
        count += len(page["records"])
        target = page.get("nextRecordsUrl") or ""
    return count


def _best(label: str, run: Callable[[], int], rounds: int) -> None:
    best, n = 0.0, 0
    for _ in range(rounds):
        t0 = time.perf_counter()
        n = run()
        best = max(best, n / (time.perf_counter() - t0))
    print(f"{label:36s} {n} records, best {best:,.0f} records/s (2,000-record pages)")


def main() -> None:
    """Serve a large seeded org and time full reads through simple-salesforce and raw requests."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=20_000, help="opportunities in the org")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    ctx = multiprocessing.get_context("spawn")
    ready = ctx.Queue()
    with tempfile.TemporaryDirectory(prefix="sf-bench-") as cert_dir:
        server = ctx.Process(target=_serve, args=(args.records, cert_dir, ready), daemon=True)
        server.start()
        try:
            base_url, ca_path = ready.get(timeout=120)
            session = _session(base_url, ca_path)
            token = _token(session, base_url)
            sf = Salesforce(instance_url=base_url, session_id=token, session=session)
            session.headers["Authorization"] = f"Bearer {token}"
            _best("simple-salesforce query_all", lambda: _simple_salesforce(sf), args.rounds)
            _best("requests, raw pages", lambda: _raw(session, base_url), args.rounds)
        finally:
            server.terminate()
            server.join(timeout=10)
    app = SalesforceSandboxApp(seed=1, records=args.records)
    local_token = app.sessions.issue()
    _best("in-process dispatch (no TLS/socket)", lambda: _in_process(app, local_token), args.rounds)


if __name__ == "__main__":
    main()
