"""Crash safety of writing an order as a draft first: ``channelsync sync push`` as a real
subprocess, SIGKILLed just after the order's lines were written and while the update setting its
target status waits in Salesforce; the order is left a draft holding its lines, and a clean run
activates it with each line once."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from sqlmodel import col, select

from order_core.db import new_session
from order_core.outbox import OutboxEvent
from order_core.outbox.models import DELIVERED
from tests.e2e.push_world import SF, PushWorld, quote_with_lines
from tests.e2e.test_push_activated_order import _sf_lines, _sf_order
from tests.e2e.test_push_crash import _lapse_leases, _rig
from tests.e2e.test_push_draft_first import LATE, _core_lines, _invoiced


def test_a_killed_draft_first_push_is_finished_by_the_next_run(
    world: PushWorld, tmp_path: Path
) -> None:
    admin = world.sandboxes.sf.app.admin_api
    quote = quote_with_lines(world, SF)
    admin.set_activated_order_statuses(LATE)
    number = _invoiced(world, quote.id or 0, 0)
    rig = _rig(world, tmp_path, SF)
    # The run's second upsert is the lines' (the first is the order's, as a draft).
    killed = int(rig.kill_after_response(["composite.upsert"], 2, 0.0))
    _lapse_leases(world.engine)
    if _sf_order(world, number)["StatusCode"] == "Draft":
        killed += rig.kill_in_request("composite.update", 1)
        # Parked in the status update: a draft holding its lines, the events still pending.
        assert _sf_order(world, number)["StatusCode"] == "Draft"
        assert sorted(_sf_lines(world, number)) == sorted(_core_lines(world, number))
        _lapse_leases(world.engine)
    assert killed >= 1, "the pushes ended before their kill points"

    out = rig.run_clean()

    assert f"{SF}: ok" in out, out
    order = _sf_order(world, number)
    assert (order["Status"], order["StatusCode"]) == ("Invoiced", "Activated")
    lines = {k: Decimal(str(q)) for k, (q, _) in _sf_lines(world, number).items()}
    assert lines == _core_lines(world, number)
    counts = admin.external_id_counts("OrderItem")
    assert {k: counts[k] for k in lines} == dict.fromkeys(lines, 1)
    assert admin.external_id_counts("Order")[number] == 1
    with new_session(world.engine) as session:
        events = session.exec(
            select(OutboxEvent).where(
                col(OutboxEvent.topic) == f"crm:{SF}:order", OutboxEvent.aggregate_id == number
            )
        ).all()
    assert events and {e.status for e in events} == {DELIVERED}
