"""The demo's buy-and-resell flow end to end on the core, and the outbox summary that closes it.

Every run creates a new deal quote and order (new numbers: Q-…, SO-…, INV-…), so the demo can be
run again and again on the same database; the deal registration is upserted by its CRM id and the
partner's credit terms are set up only once.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from rich.console import Console
from sqlalchemy import func
from sqlmodel import Session, col, select

from channelsync.demo.cast import ensure_credit_terms, find_cast
from channelsync.demo.order_flow import OrderOutcome, run_order_steps
from channelsync.demo.quote_flow import QuoteOutcome, run_quote_steps
from channelsync.demo.render import outbox_table
from order_core.outbox import OutboxEvent


@dataclass(frozen=True)
class DemoResult:
    """What one run of the flow produced."""

    quote: QuoteOutcome
    order: OrderOutcome
    outbox: list[tuple[str, int, int]]


def last_event_id(session: Session) -> int:
    """The id of the newest outbox event (0 when there is none)."""
    return session.exec(select(func.max(col(OutboxEvent.id)))).one() or 0


def outbox_summary(session: Session, since_id: int) -> list[tuple[str, int, int]]:
    """Per topic: events written after ``since_id`` and events pending in total (read only)."""
    recent = dict(
        session.exec(
            select(OutboxEvent.topic, func.count())
            .where(col(OutboxEvent.id) > since_id)
            .group_by(col(OutboxEvent.topic))
        ).all()
    )
    pending = dict(
        session.exec(
            select(OutboxEvent.topic, func.count())
            .where(OutboxEvent.status == "pending")
            .group_by(col(OutboxEvent.topic))
        ).all()
    )
    return [(t, recent.get(t, 0), pending.get(t, 0)) for t in sorted(recent.keys() | pending)]


def run_flow(session: Session, console: Console, out_dir: Path) -> DemoResult:
    """Quote → approvals → send → accept → order → licenses → invoice → payment → outbox."""
    since = last_event_id(session)
    cast = find_cast(session)
    credit_before = ensure_credit_terms(session, cast)
    quote = run_quote_steps(session, console, cast, out_dir)
    order = run_order_steps(session, console, cast, quote.order_number, credit_before, out_dir)
    console.rule("5. outbox")
    summary = outbox_summary(session, since)
    console.print(outbox_table(summary))
    console.print(
        "The demo delivers nothing: crm.* (CRM push-back) and prm.webhook (partner PRM) wait "
        "for the sync engine, still to come; notify.email goes out with "
        "`channelsync orders notify` once an SMTP server is configured."
    )
    return DemoResult(quote, order, summary)
