"""A batch with one record the CRM refuses: only that record's event is a dead letter."""

from __future__ import annotations

import pytest
from sqlmodel import col, select

from order_core.db import new_session
from order_core.outbox import OutboxEvent
from order_core.outbox.models import DEAD, DELIVERED
from tests.e2e.push_world import HS, SF, PushWorld, quoted_orders

ORDERS = 5
BAD = 2


def _states(world: PushWorld, source: str) -> dict[str, str]:
    with new_session(world.engine) as session:
        rows = session.exec(
            select(OutboxEvent).where(col(OutboxEvent.topic) == f"crm:{source}:order")
        ).all()
        return {e.aggregate_id: e.status for e in rows}


@pytest.mark.parametrize("source", [SF, HS])
def test_only_the_refused_order_is_a_dead_letter(world: PushWorld, source: str) -> None:
    numbers = quoted_orders(world, source, ORDERS)
    if source == SF:
        world.sandboxes.sf.app.admin_api.fail_collection_record(BAD)
    else:
        world.sandboxes.hs.app.fail_batch_inputs("orders.batch.upsert", {BAD})
    report = world.push(source)
    figures = report.topics[f"crm:{source}:order"]
    assert (figures.delivered, figures.dead_lettered) == (ORDERS - 1, 1), report.as_dict()
    states = _states(world, source)
    assert states[numbers[BAD]] == DEAD
    assert all(states[n] == DELIVERED for i, n in enumerate(numbers) if i != BAD)
    if source == SF:
        counts = world.sandboxes.sf.app.admin_api.external_id_counts("Order")
    else:
        counts = world.sandboxes.hs.app.external_id_counts("orders")
    assert sorted(counts) == sorted(n for i, n in enumerate(numbers) if i != BAD)
    assert set(counts.values()) == {1}
    with new_session(world.engine) as session:
        dead = session.exec(select(OutboxEvent).where(OutboxEvent.status == DEAD)).one()
    assert dead.last_error and numbers[BAD] in dead.last_error
