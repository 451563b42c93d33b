"""Quotes for CRM deals flagged "quote requested": once per deal and stamp, or a clear reason."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from order_core.actors import Actor
from order_core.db import new_session
from order_core.deals.models import Deal, DealLine
from order_core.quotes.from_deals import (
    quote_requested_deal,
    quote_requested_deals,
    requested_deals,
)
from order_core.quotes.models import DealQuoteRequest, Quote
from tests.order_core.quotes.conftest import World

SYNC = Actor.system("acme-sf")
T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def _flag(session: Session, deal_id: int, at: datetime, *lines: tuple[str, str]) -> None:
    deal = session.get(Deal, deal_id)
    assert deal is not None
    deal.quote_requested, deal.crm_modified_at = True, at
    session.add(deal)
    for old in session.exec(select(DealLine).where(col(DealLine.deal_id) == deal_id)):
        session.delete(old)  # the CRM's line items now are exactly ``lines``
    for n, (sku, qty) in enumerate(lines):
        session.add(
            DealLine(
                deal_id=deal_id,
                source="salesforce",
                crm_id=f"L{at.minute}{n}",
                sku=sku,
                quantity=Decimal(qty),
                position=n,
            )
        )
    session.commit()


def _quotes(session: Session, deal_id: int) -> list[tuple[str, int, str]]:
    rows = session.exec(select(Quote).where(col(Quote.deal_id) == deal_id).order_by(col(Quote.id)))
    return [(q.number, q.version, q.state) for q in rows]


def test_a_flagged_deal_gets_one_quote_from_its_lines(world: World, session: Session) -> None:
    _flag(session, world.deal, T0, ("SW-100", "3"), ("HW-200", "2"))
    assert requested_deals(session, "salesforce") == [world.deal]
    result = quote_requested_deal(world.deal, session=session, actor=SYNC)
    assert result.outcome == "quoted" and result.quote_version == 1
    again = quote_requested_deal(world.deal, session=session, actor=SYNC)
    assert again.outcome == "done before"
    assert requested_deals(session, "salesforce") == []
    quotes = _quotes(session, world.deal)
    assert len(quotes) == 1 and quotes[0][2] in ("approved", "pending_approval")
    back = world.events("crm.deal")
    assert len(back) == 1
    assert back[0]["quote_number"] == quotes[0][0] and back[0]["quote_requested"] is False
    assert back[0]["note"] == ""


def test_a_new_flag_revises_the_quote_and_supersedes_the_old_version(
    world: World, session: Session
) -> None:
    _flag(session, world.deal, T0, ("SW-100", "3"))
    first = quote_requested_deal(world.deal, session=session, actor=SYNC)
    _flag(session, world.deal, T0 + timedelta(minutes=5), ("HW-200", "1"))
    second = quote_requested_deal(world.deal, session=session, actor=SYNC)
    assert (second.quote_number, second.quote_version) == (first.quote_number, 2)
    states = [s for _, _, s in _quotes(session, world.deal)]
    assert states[0] == "superseded"


def test_no_line_items_or_an_unknown_product_is_a_reason_written_back(
    world: World, session: Session
) -> None:
    _flag(session, world.deal, T0)
    empty = quote_requested_deal(world.deal, session=session, actor=SYNC)
    assert empty.outcome == "refused" and "has no line items" in empty.reason
    _flag(session, world.deal, T0 + timedelta(minutes=1), ("NOPE-1", "1"))
    unknown = quote_requested_deal(world.deal, session=session, actor=SYNC)
    assert unknown.reason.startswith("product(s) NOPE-1 are not in the catalog")
    _flag(session, world.deal, T0 + timedelta(minutes=2), ("SW-100", "1.5"))
    half = quote_requested_deal(world.deal, session=session, actor=SYNC)
    assert "is not a whole number" in half.reason
    assert _quotes(session, world.deal) == []
    notes = [e["note"] for e in world.events("crm.deal")]
    assert notes == [empty.reason, unknown.reason, half.reason]


def test_two_workers_at_once_make_one_quote(world: World, session: Session, engine: Engine) -> None:
    _flag(session, world.deal, T0, ("SW-100", "2"))
    results: list[str] = []

    def work() -> None:
        with new_session(engine) as own:
            results.extend(r.outcome for r in quote_requested_deals(own, "salesforce", SYNC))

    threads = [threading.Thread(target=work) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results).count("quoted") == 1
    assert len(_quotes(session, world.deal)) == 1
    count = session.execute(select(func.count()).select_from(DealQuoteRequest)).scalar_one()
    assert count == 1
