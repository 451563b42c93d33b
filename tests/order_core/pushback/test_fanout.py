"""Fan-out of ``crm.*`` events: one copy per receiving connection, the original settled, once."""

from __future__ import annotations

from sqlmodel import Session, col, select

from order_core.outbox import OutboxEvent, emit_event
from order_core.outbox.models import DELIVERED, PENDING, SKIPPED
from order_core.pushback.fanout import fan_out


def _copies(session: Session) -> list[tuple[str, str, int]]:
    rows = session.exec(
        select(OutboxEvent)
        .where(col(OutboxEvent.topic).startswith("crm:"))
        .order_by(col(OutboxEvent.id))
    ).all()
    return [(e.topic, e.aggregate_id, int(e.data()["origin_event"])) for e in rows]


def test_each_event_goes_to_the_connections_that_receive_it(session: Session) -> None:
    order = emit_event(session, "crm.order", "order", "SO-1", {"status": "paid"})
    deal = emit_event(session, "crm.deal", "deal", 7, {"deal_id": 7, "source": "sf"})
    quote = emit_event(session, "crm.quote", "quote", 3, {"quote_id": 3, "deal_source": "hs"})
    lone = emit_event(session, "crm.quote", "quote", 4, {"quote_id": 4, "deal_source": None})
    other = emit_event(session, "prm.webhook", "order", "SO-1", {"event": "order.paid"})
    session.commit()

    done = fan_out(["sf", "hs"], session=session, owner="test")

    assert (done.events, done.copies, done.unrouted) == (4, 4, 1)
    assert _copies(session) == [
        ("crm:sf:order", "SO-1", order.id),
        ("crm:hs:order", "SO-1", order.id),
        ("crm:sf:deal", "7", deal.id),
        ("crm:hs:quote", "3", quote.id),
    ]
    status = dict(session.exec(select(OutboxEvent.id, OutboxEvent.status)).all())
    assert [status[e.id] for e in (order, deal, quote, lone, other)] == [
        DELIVERED,
        DELIVERED,
        DELIVERED,
        SKIPPED,
        PENDING,
    ]
    again = fan_out(["sf", "hs"], session=session, owner="test")
    assert (again.events, again.copies) == (0, 0)
    assert len(_copies(session)) == 4
