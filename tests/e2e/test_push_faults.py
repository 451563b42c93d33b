"""The push through faults, end to end: 5xx, a 429 storm (Retry-After), a connection reset after
the CRM applied the call, an expired session, and a spent limit (Salesforce REQUEST_LIMIT_EXCEEDED,
HubSpot's DAILY 429) that ends the run, re-run later. Every order reaches the CRM with its status,
exactly once by external id. Retry waits run on a fake clock."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from sqlmodel import select

from connector.hubspot.pacing import Clock
from connector.push.run import PushReport, open_writes, push_with
from crm_sandbox.common.faults import Fault
from order_core.db import new_session
from order_core.orders.models import Order
from tests.e2e.probes import FakeClock, fake_retry, hubspot_429
from tests.e2e.push_world import HS, SF, PushWorld, advance, quoted_orders, retries_due_now

ORDERS = 4
SF_ROUTE, HS_ROUTE = "composite.upsert", "orders.batch.upsert"
SF_STATUS = {"submitted": "Submitted", "accepted": "Accepted", "invoiced": "Invoiced"}


def _pusher(world: PushWorld, source: str) -> Callable[[], PushReport]:
    clock, pace = FakeClock(), FakeClock()

    def push() -> PushReport:
        writes, size = open_writes(
            world.connections[source], retry=fake_retry(clock), clock=Clock(pace.now, pace.sleep)
        )
        return push_with(source, world.engine, list(world.connections), writes, size)

    return push


def _in_crm(world: PushWorld, source: str) -> dict[str, tuple[int, str]]:
    """Order number -> (records holding it, the status the CRM shows)."""
    if source == SF:
        admin = world.sandboxes.sf.app.admin_api
        counts = admin.external_id_counts("Order")
        status = {
            str(r["Channelsync_Id__c"]): str(r["Status"])
            for r in admin.store.records["Order"].values()
            if not r["IsDeleted"]
        }
        return {k: (n, status[k]) for k, n in counts.items()}
    hs = world.sandboxes.hs.app
    counts = hs.external_id_counts("orders")
    status = {
        r.props["channelsync_id"]: r.props["channelsync_status"] for r in hs.records("orders")
    }
    return {k: (n, status[k]) for k, n in counts.items() if not k.startswith("Q-")}


def _expected(world: PushWorld, source: str, numbers: list[str]) -> dict[str, tuple[int, str]]:
    with new_session(world.engine) as session:
        rows = session.exec(select(Order).where(Order.number.in_(numbers))).all()  # type: ignore[attr-defined]
    shown = SF_STATUS if source == SF else {s: s for s in SF_STATUS}
    return {o.number: (1, shown[o.status]) for o in rows}


def _faults(world: PushWorld, source: str) -> tuple[list[Fault], list[Fault], Fault]:
    """Faults of the first round (5xx, 429 storm), the second (reset, session), the stopping one."""
    if source == SF:
        busy = json.dumps([{"errorCode": "SERVER_UNAVAILABLE", "message": "busy"}]).encode()
        expired = json.dumps([{"errorCode": "INVALID_SESSION_ID", "message": "expired"}]).encode()
        limit = json.dumps([{"errorCode": "REQUEST_LIMIT_EXCEEDED", "message": "limit"}]).encode()
        return (
            [
                Fault(SF_ROUTE, "status", 503, busy, times=2),
                Fault(SF_ROUTE, "status", 429, busy, {"Retry-After": "3"}, times=3),
            ],
            [Fault(SF_ROUTE, "reset", times=1), Fault(SF_ROUTE, "status", 401, expired, times=1)],
            Fault(SF_ROUTE, "status", 403, limit, times=1),
        )
    return (
        [
            Fault(HS_ROUTE, "status", 502, b'{"message": "bad gateway"}', times=2),
            Fault(HS_ROUTE, "status", 429, hubspot_429("TEN_SECONDLY_ROLLING"), times=3),
        ],
        [Fault(HS_ROUTE, "reset", times=1), Fault(HS_ROUTE, "truncate", times=1)],
        Fault(HS_ROUTE, "status", 429, hubspot_429("DAILY"), times=1),
    )


@pytest.mark.parametrize("source", [SF, HS])
def test_faults_on_push_lose_nothing_and_duplicate_nothing(world: PushWorld, source: str) -> None:
    numbers = quoted_orders(world, source, ORDERS)
    app = world.sandboxes.sf.app if source == SF else world.sandboxes.hs.app
    if source == HS:
        world.sandboxes.hs.app.set_rate_limits(enabled=False)
    push = _pusher(world, source)
    first, second, stopping = _faults(world, source)
    for fault in first:
        app.add_fault(fault)
    report = push()
    assert app.faults.pending() == []  # every fault was met
    assert report.status == "ok" and report.delivered >= ORDERS, report.as_dict()
    assert _in_crm(world, source) == _expected(world, source, numbers)
    for number in numbers:
        advance(world.engine, number, "accept")
    for fault in second:
        app.add_fault(fault)
    report = push()
    assert app.faults.pending() == []
    assert report.status == "ok" and report.dead_lettered == 0, report.as_dict()
    assert _in_crm(world, source) == _expected(world, source, numbers)
    for number in numbers:
        advance(world.engine, number, "fulfil")
    app.add_fault(stopping)
    report = push()
    assert report.status == "failed" and report.delivered == 0, report.as_dict()
    assert report.topics[f"crm:{source}:order"].retried == 2 * ORDERS  # fulfilled, invoiced
    retries_due_now(world.engine)
    report = push()
    assert report.status == "ok" and report.delivered == 2 * ORDERS, report.as_dict()
    assert _in_crm(world, source) == _expected(world, source, numbers)
