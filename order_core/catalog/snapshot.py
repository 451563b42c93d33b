"""Values derived from the catalog and partner read model, shared engine-wide per catalog stamp.

Checkout asks the same questions of the read model on every order: who is this buyer, what may
the partner buy and at which prices, which payment methods apply. ``remembered`` answers each from
a per-engine memo that is valid while the catalog stamp (``order_core.catalog.version``) stays
the same. The stamp is read once per transaction, so a committed catalog change is seen by the
very next transaction; a transaction that changed the catalog itself (or holds unflushed changes)
computes from the database and shares nothing.

Remembered values are shared by every thread using the engine: they must be immutable plain data
or ``detached_copy`` rows that no session owns (never attach them to a session).
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel

from order_core.catalog.version import read_stamp, written_in_transaction
from order_core.tx import transaction_memo

T = TypeVar("T")
M = TypeVar("M", bound=SQLModel)

_MAX_ENTRIES = 20_000  # per engine and stamp; beyond it values are computed, not kept
_TX_KEY = "catalog_snapshot"


@dataclass
class _Shared:
    stamp: int
    values: dict[Hashable, Any] = field(default_factory=dict)


_shared: weakref.WeakKeyDictionary[Engine, _Shared] = weakref.WeakKeyDictionary()
_lock = threading.Lock()


def has_pending_changes(session: Session) -> bool:
    """Whether the session holds objects added, changed or deleted but not flushed yet.

    Public session state only (``new``, ``dirty``, ``deleted``); ``dirty`` is SQLAlchemy's
    optimistic set (any attribute set), so a set-to-the-same-value also counts: safe side.
    """
    return bool(session.new) or bool(session.deleted) or bool(session.dirty)


def _fresh_only(session: Session) -> bool:
    # Unflushed changes or catalog writes in this transaction: the shared values may not apply.
    return has_pending_changes(session) or written_in_transaction(session.connection())


def snapshot_values(session: Session) -> dict[Hashable, Any] | None:
    """The engine-wide memo for the catalog stamp this transaction sees, or None (compute fresh)."""
    memo = transaction_memo(session)
    if _TX_KEY in memo:
        values: dict[Hashable, Any] | None = memo[_TX_KEY]
        if values is not None and _fresh_only(session):
            memo[_TX_KEY] = values = None  # the transaction changed the catalog meanwhile
        return values
    if _fresh_only(session):
        memo[_TX_KEY] = None
        return None
    conn = session.connection()
    values = memo[_TX_KEY] = _values_for(conn.engine, read_stamp(conn))
    return values


def stamp_unread(session: Session) -> bool:
    """Whether the current transaction has yet to read the catalog stamp."""
    return _TX_KEY not in transaction_memo(session)


def use_stamp(session: Session, stamp: int | None) -> None:
    """Take the catalog stamp the caller read along with a statement of its own in this transaction.

    Saves the round trip of reading it alone (select ``catalog.version.STAMP_SQL``).
    """
    fresh_only = _fresh_only(session)
    engine = session.connection().engine
    transaction_memo(session)[_TX_KEY] = None if fresh_only else _values_for(engine, stamp)


def _values_for(engine: Engine, stamp: int | None) -> dict[Hashable, Any] | None:
    if stamp is None:
        return None
    current = _shared.get(engine)
    if current is None or current.stamp != stamp:
        with _lock:
            current = _shared.get(engine)
            if current is None or current.stamp != stamp:
                current = _shared[engine] = _Shared(stamp)
    return current.values


def remembered(session: Session, key: Hashable, compute: Callable[[], T]) -> T:
    """``compute()``, or its result remembered for the current catalog stamp under ``key``.

    ``key`` must name everything the result depends on besides the catalog (partner, currency,
    day, SKUs). Errors are never remembered: a refused checkout is checked again next time.
    """
    values = snapshot_values(session)
    if values is None:
        return compute()
    try:
        found: T = values[key]
    except KeyError:
        found = compute()
        if len(values) < _MAX_ENTRIES:
            values[key] = found
    return found


def detached_copy(row: M) -> M:
    """A copy of ``row`` that belongs to no session: safe to remember and to read from any thread."""
    return type(row)(**row.model_dump())
