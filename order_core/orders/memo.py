"""Per-transaction memo of reads a checkout repeats, to keep checkout lean.

Everything here lives only as long as the current transaction: the memo is tied to the session's
transaction object and starts empty in the next one, so nothing stale survives a commit.
Rows it keeps stay strongly referenced, so ``session.get`` finds them in the identity map.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel import Session

from order_core.orders.models import OrderApproval, OrderLine
from order_core.partners.models import Program
from order_core.partners.programs import active_programs
from order_core.tx import transaction_memo

_memo = transaction_memo


def programs_of(session: Session, partner_id: int) -> list[Program]:
    """``active_programs`` for today, read once per transaction."""
    cache: dict[int, list[Program]] = _memo(session).setdefault("programs", {})
    if partner_id not in cache:
        cache[partner_id] = active_programs(session, partner_id)
    return cache[partner_id]


def keep(session: Session, *rows: object) -> None:
    """Keep rows alive for the transaction (the identity map holds them only weakly)."""
    _memo(session).setdefault("kept", []).extend(rows)


def remember_lines(session: Session, order_id: int, lines: Sequence[OrderLine]) -> None:
    """Record an order's lines as just written in this transaction."""
    _memo(session).setdefault("lines", {})[order_id] = list(lines)


def known_lines(session: Session, order_id: int) -> list[OrderLine] | None:
    """The order's lines if this transaction wrote them, else None (read them from the database)."""
    found: list[OrderLine] | None = _memo(session).get("lines", {}).get(order_id)
    return found


def remember_approvals(session: Session, order_id: int, steps: Sequence[OrderApproval]) -> None:
    """Record an order's approval steps as just written in this transaction."""
    _memo(session).setdefault("approvals", {})[order_id] = list(steps)


def known_approvals(session: Session, order_id: int) -> list[OrderApproval] | None:
    """The order's approval steps if this transaction wrote them, else None."""
    found: list[OrderApproval] | None = _memo(session).get("approvals", {}).get(order_id)
    return found
