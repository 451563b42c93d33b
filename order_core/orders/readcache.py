"""Cache of the catalog and partner reads a checkout makes (programs, prices, rules, partner, buyer).

Authorization, the pricing request builder, buy prices and the approval subject each ask for the
partner's active programs, and several of them read the same catalog rows. Inside ``cached_reads``
an ORM SELECT that touches only the read-model tables (``CATALOG_TABLES``) is served from:

1. the block's own cache (the same statement and parameters already ran in this block), else
2. the engine's snapshot for the current catalog stamp (``order_core.catalog.version``): one cheap
   read of the stamp per block validates it, so a committed catalog change is seen by the very
   next checkout; the rows are merged into the caller's session as its own objects, else
3. the database (and the result is kept in both).

The snapshot is skipped when the transaction itself wrote the catalog or the session holds
unflushed changes. Locking reads (FOR UPDATE) and ``populate_existing`` reads always go to the
database.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy import event
from sqlalchemy.engine import Engine, FrozenResult, Result
from sqlalchemy.orm import ORMExecuteState
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.orm.loading import merge_frozen_result
from sqlalchemy.sql.elements import ClauseElement
from sqlalchemy.sql.util import find_tables
from sqlmodel import Session

from order_core.catalog.version import (
    BLOCK_MEMO,
    CATALOG_TABLES,
    read_stamp,
    written_in_transaction,
)

_FLAG = BLOCK_MEMO
_SNAPSHOT = "orders_catalog_snapshot"
_cacheable: dict[Any, bool] = {}  # statement shape -> touches read-model tables only
_MAX_ENTRIES = 2000


@dataclass
class _Snapshot:
    """Detached results of read-model SELECTs, valid while the catalog stamp is ``stamp``."""

    stamp: int
    entries: dict[Any, FrozenResult[Any]] = field(default_factory=dict)


_snapshots: weakref.WeakKeyDictionary[Engine, _Snapshot] = weakref.WeakKeyDictionary()
_lock = threading.Lock()


def _snapshot_for(session: Session) -> _Snapshot | None:
    """The engine snapshot matching the stamp this transaction sees, or None when it must not be used."""
    if not session._is_clean():
        return None
    conn = session.connection()
    if written_in_transaction(conn):
        return None
    stamp = read_stamp(conn)
    if stamp is None:
        return None
    engine = conn.engine
    current = _snapshots.get(engine)
    if current is None or current.stamp != stamp:
        current = _Snapshot(stamp)
        with _lock:
            _snapshots[engine] = current
    return current


@contextmanager
def cached_reads(session: Session) -> Iterator[None]:
    """Serve read-model SELECTs from the block cache or the engine snapshot while inside.

    The block cache lives as long as the outermost ``with`` block (one service call, so one
    transaction); the engine snapshot is revalidated at the start of every block.
    """
    if session.info.get(_FLAG) is not None:  # nested: share the outer block's cache
        yield
        return
    session.info[_FLAG] = {}
    session.info[_SNAPSHOT] = _snapshot_for(session)
    try:
        yield
    finally:
        session.info[_FLAG] = None
        session.info[_SNAPSHOT] = None


def _hashable(value: object) -> object:
    if isinstance(value, list | tuple):
        return tuple(_hashable(v) for v in value)
    if isinstance(value, dict):
        return tuple(sorted((str(k), _hashable(v)) for k, v in value.items()))
    return value


def _merged(session: OrmSession, statement: Any, frozen: FrozenResult[Any]) -> FrozenResult[Any]:
    # Copies of the result's objects in ``session`` (load=False: no SQL, values taken as they are).
    return cast("FrozenResult[Any]", merge_frozen_result(session, statement, frozen, load=False))  # type: ignore[no-untyped-call]


def _detached(statement: Any, frozen: FrozenResult[Any]) -> FrozenResult[Any]:
    # Copies in a private session nobody flushes, expires or closes: safe to share read-only.
    return _merged(Session(), statement, frozen)


def _shared(state: ORMExecuteState) -> _Snapshot | None:
    snapshot: _Snapshot | None = state.session.info.get(_SNAPSHOT)
    if snapshot is None:
        return None
    session = state.session
    if not session._is_clean() or written_in_transaction(session.connection()):
        # The transaction changed the catalog since the block began: read it from now on.
        session.info[_SNAPSHOT] = None
        return None
    return snapshot


@event.listens_for(Session, "do_orm_execute")
def _serve_cached(state: ORMExecuteState) -> Result[Any] | None:
    cache: dict[Any, FrozenResult[Any]] | None = state.session.info.get(_FLAG)
    if cache is None or not state.is_select:
        return None
    statement = state.statement
    if not isinstance(statement, ClauseElement):
        return None
    if getattr(statement, "_for_update_arg", None) is not None:
        return None
    if state.execution_options.get("populate_existing") or getattr(
        state.load_options, "_populate_existing", False
    ):
        return None
    cache_key = statement._generate_cache_key()
    if cache_key is None:
        return None
    shape = cache_key.key
    ok = _cacheable.get(shape)
    if ok is None:
        tables = find_tables(statement, include_joins=False, include_aliases=True)
        ok = bool(tables) and all(getattr(t, "name", None) in CATALOG_TABLES for t in tables)
        if len(_cacheable) < _MAX_ENTRIES:
            _cacheable[shape] = ok
    if not ok:
        return None
    key = (
        shape,
        tuple(_hashable(b.effective_value) for b in cache_key.bindparams),
        _hashable(state.parameters or {}),
    )
    frozen = cache.get(key)
    if frozen is None:
        snapshot = _shared(state)
        shared = snapshot.entries.get(key) if snapshot is not None else None
        if shared is not None:
            frozen = _merged(state.session, statement, shared)
        else:
            frozen = state.invoke_statement().freeze()
            if snapshot is not None and len(snapshot.entries) < _MAX_ENTRIES:
                snapshot.entries[key] = _detached(statement, frozen)
        cache[key] = frozen
    return frozen()
