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


def test_no_crm_event_is_left_pending(session: Session) -> None:
    statement = emit_event(
        session, "crm.commission_statement", "commission_statement", "5:2027-03:USD",
        {"partner_id": 5, "period": "2027-03", "currency": "USD"}, partner_id=5,
    )  # fmt: skip
    renewal = emit_event(session, "crm.renewal", "renewal", "RN-1", {"order_number": "SO-9"})
    unknown = emit_event(session, "crm.invoice", "invoice", "INV-1", {"number": "INV-1"})
    session.commit()

    done = fan_out(["sf", "hs"], session=session, owner="test")

    assert (done.events, done.copies, done.unrouted) == (3, 2, 2)
    assert _copies(session) == [
        ("crm:sf:commission_statement", "5:2027-03:USD", statement.id),
        ("crm:hs:commission_statement", "5:2027-03:USD", statement.id),
    ]
    session.expire_all()
    rows = {e.id: e for e in session.exec(select(OutboxEvent)).all()}
    assert rows[statement.id].status == DELIVERED
    assert rows[renewal.id].status == rows[unknown.id].status == SKIPPED
    renewal_reason = rows[renewal.id].last_error or ""
    assert "renewal order" in renewal_reason and "crm.order" in renewal_reason
    assert rows[unknown.id].last_error == (
        "the push does not deliver invoice; it delivers quote, deal, order, end_customer, "
        "commission_statement"
    )
    assert not [e for e in rows.values() if e.topic.startswith("crm.") and e.status == PENDING]
