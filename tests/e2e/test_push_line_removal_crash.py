"""Crash safety of removing a revised order's lines, both CRMs: ``channelsync sync push`` as a real
subprocess, SIGKILLed after the current lines were written (before the removal) and while the
removal waits in the CRM; a clean run then leaves exactly the core's lines, each once."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import col, select

from order_core.db import new_session
from order_core.outbox import OutboxEvent
from order_core.outbox.models import DELIVERED
from tests.e2e.push_world import DESK, HS, SF, PushWorld, order_from_quote, quote_with_lines
from tests.e2e.test_push_crash import _lapse_leases, _rig
from tests.e2e.test_push_line_removal import _crm_lines, _drop_last_line

ROUTES = {
    SF: ("composite.upsert", "composite.delete", "OrderItem"),
    HS: ("line_items.batch.upsert", "line_items.batch.archive", "line_items"),
}


@pytest.mark.parametrize("source", [SF, HS])
def test_a_killed_push_removes_exactly_the_removed_line(
    world: PushWorld, tmp_path: Path, source: str
) -> None:
    upsert, remove, obj = ROUTES[source]
    quote = quote_with_lines(world, source)
    number = order_from_quote(world.engine, quote.id or 0, policy=DESK)
    assert world.push(source).dead_lettered == 0
    kept = _drop_last_line(world, number)
    rig = _rig(world, tmp_path, source)
    # The lines' upsert is the last upsert call before the removal (Salesforce: the order's, then
    # its lines'; HubSpot: the line items').
    lines_call = 2 if source == SF else 1
    killed = int(rig.kill_after_response([upsert], lines_call, 0.0))
    _lapse_leases(world.engine)
    killed += rig.kill_in_request(remove, 1)
    _lapse_leases(world.engine)
    assert killed >= 1, "the pushes ended before their kill points"
    out = rig.run_clean()
    assert f"{source}: ok" in out, out
    assert _crm_lines(world, source, number, obj) == dict.fromkeys(kept, 1)
    with new_session(world.engine) as session:
        events = session.exec(
            select(OutboxEvent).where(
                col(OutboxEvent.topic) == f"crm:{source}:order",
                OutboxEvent.aggregate_id == number,
            )
        ).all()
    assert events and {e.status for e in events} == {DELIVERED}
