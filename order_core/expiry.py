"""The expiry run: quotes past their valid-until date, approval steps of quotes and orders past
their deadline.

The services that expire each already exist; nothing called them on a clock. ``run_expiry`` is
what the hourly Dagster schedule calls: each of the three is its own service call (one
transaction), so a failure in one leaves the others' work committed, and a run repeated at the
same moment expires nothing twice.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.engine import Engine

from order_core.actors import Actor
from order_core.db import session_scope
from order_core.orders.approvals import expire_approvals
from order_core.quotes.decisions import expire_approval_requests
from order_core.quotes.sending import expire_quotes
from order_core.types import utcnow


@dataclass(frozen=True)
class ExpiryReport:
    """What one expiry run expired, at which moment."""

    at: str
    quote_approval_steps: int
    quotes: int
    order_approvals: list[str] = field(default_factory=list)  # order numbers sent back to draft

    def as_dict(self) -> dict[str, Any]:
        """Plain data (Dagster metadata, logs)."""
        return asdict(self)


def run_expiry(
    engine: Engine, now: datetime | None = None, *, actor: Actor | None = None
) -> ExpiryReport:
    """Expire, as of ``now`` (default: the present), unanswered quote approval steps past their
    deadline (their quotes return to draft), open quotes whose valid-until day has passed, and
    order approval steps past their deadline (their orders return to draft)."""
    who = actor or Actor.system("expiry")
    moment = now or utcnow()
    with session_scope(engine) as session:
        steps = expire_approval_requests(session=session, actor=who, now=moment)
        quotes = expire_quotes(session=session, actor=who, today=moment.date())
        orders = expire_approvals(session=session, actor=who, now=moment)
    return ExpiryReport(moment.isoformat(), steps, quotes, orders)
