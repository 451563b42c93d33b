"""Crash safety of the push, both CRMs: ``channelsync sync push`` as a real subprocess, SIGKILLed
while a CRM call is in flight (the CRM may or may not apply it) and right after CRM answers, at several
points; once the killed runs' leases lapse, a clean run delivers every event, and each order is in
the CRM exactly once by external id with its latest status. And a checkout on SQLite is not
blocked while the drainer waits on a slow CRM (no transaction is open during the call)."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlmodel import col, select

from connector.push.run import PushReport
from crm_sandbox.common.faults import Fault
from order_core.db import new_session
from order_core.orders.models import Order
from order_core.outbox import OutboxEvent
from order_core.outbox.models import DELIVERED, SKIPPED
from order_core.types import utcnow
from tests.e2e.conftest import write_connections
from tests.e2e.crash import PullRig, database_url
from tests.e2e.push_world import (
    HS,
    SF,
    PushWorld,
    advance,
    order_from_quote,
    quoted_orders,
)

ORDERS = 4
ROUTE, HS_ROUTE = "composite.upsert", "orders.batch.upsert"
#: How long the slow CRM holds the push's call: far longer than a checkout takes.
PARK_S = 10.0
SHOWN = {"accepted": "Accepted", "invoiced": "Invoiced", "submitted": "Submitted"}


def _rig(world: PushWorld, tmp_path: Path, source: str) -> PullRig:
    path, env = write_connections(tmp_path, world.sandboxes)
    env |= {
        "CHANNELSYNC_CONNECTIONS_FILE": str(path),
        "CHANNELSYNC_DATABASE_URL": database_url(world.engine),
    }
    app = world.sandboxes.sf.app if source == SF else world.sandboxes.hs.app
    return PullRig(source, env, tmp_path, app, ("sync", "push"))


def _in_crm(world: PushWorld, source: str) -> tuple[dict[str, int], dict[str, str]]:
    """Orders in the CRM: records per external id, and the status each shows."""
    if source == SF:
        admin = world.sandboxes.sf.app.admin_api
        assert set(admin.external_id_counts("OrderItem").values()) == {1}
        shown = {
            str(r["Channelsync_Id__c"]): str(r["Status"])
            for r in admin.store.records["Order"].values()
            if not r["IsDeleted"] and r.get("Channelsync_Id__c")
        }
        return admin.external_id_counts("Order"), shown
    hs = world.sandboxes.hs.app
    assert set(hs.external_id_counts("line_items").values()) == {1}
    shown = {r.props["channelsync_id"]: r.props["channelsync_status"] for r in hs.records("orders")}
    return hs.external_id_counts("orders"), {k: SHOWN[v] for k, v in shown.items()}


def _lapse_leases(engine: Engine) -> None:
    """The killed drainer's leases run out (as they would after CHANNELSYNC_OUTBOX_LEASE_SECONDS)."""
    with new_session(engine) as session:
        session.execute(
            update(OutboxEvent)
            .where(col(OutboxEvent.leased_until).is_not(None))
            .values(leased_until=utcnow())
        )
        session.commit()


@pytest.mark.parametrize("source", [SF, HS])
def test_push_killed_in_and_after_crm_calls_delivers_each_event_once(
    world: PushWorld, tmp_path: Path, source: str
) -> None:
    numbers = quoted_orders(world, source, ORDERS)
    rig = _rig(world, tmp_path, source)
    route = ROUTE if source == SF else HS_ROUTE
    killed = 0
    for step in ("accept", "fulfil"):
        for number in numbers:
            advance(world.engine, number, step)
        killed += rig.kill_in_request(route, 1)
        _lapse_leases(world.engine)
        killed += rig.kill_after_response([route], 1, 0.0)
        _lapse_leases(world.engine)
    assert killed >= 2, "the pushes ended before their kill points"
    out = rig.run_clean()
    assert f"{source}: ok" in out, out
    with new_session(world.engine) as session:
        events = session.exec(
            select(OutboxEvent).where(col(OutboxEvent.topic).startswith(f"crm:{source}:"))
        ).all()
        statuses = {o.number: o.status for o in session.exec(select(Order)).all()}
    assert {e.status for e in events if e.topic.endswith(":order")} == {DELIVERED}
    assert {e.status for e in events} <= {DELIVERED, SKIPPED}  # nothing owed, nothing dead
    counts, shown = _in_crm(world, source)
    assert set(counts.values()) == {1}
    for number in numbers:
        assert counts[number] == 1
        assert shown[number] == SHOWN[statuses[number]]


def test_a_checkout_is_not_blocked_while_the_push_waits_on_a_slow_crm(
    world: PushWorld, tmp_path: Path
) -> None:
    if world.engine.dialect.name != "sqlite":
        pytest.skip("the write lock of every transaction is SQLite's")
    numbers = quoted_orders(world, SF, 1)
    advance(world.engine, numbers[0], "accept")
    world.sandboxes.sf.app.add_fault(Fault(ROUTE, "latency", delay_s=PARK_S, times=1))
    pushed: list[object] = []
    thread = threading.Thread(target=lambda: pushed.append(world.push(SF)))
    thread.start()
    while not world.sandboxes.sf.app.requests(ROUTE) and thread.is_alive():
        time.sleep(0.01)  # the push's upsert is now parked in the sandbox
    assert thread.is_alive()
    with new_session(world.engine) as session:
        order = session.exec(select(Order).where(Order.number == numbers[0])).one()
    # A checkout (a new order with its events, one write transaction) while the CRM call waits.
    number = order_from_quote(world.engine, order.quote_id or 0, 99)
    assert thread.is_alive(), "the checkout had to wait for the push"
    thread.join()
    report = pushed[0]
    assert isinstance(report, PushReport) and report.status == "ok", report
    with new_session(world.engine) as session:
        assert session.exec(select(Order).where(Order.number == number)).one()
