"""Per-transaction cache of the catalog and partner reads a checkout repeats (programs, prices, rules).

Authorization, the pricing request builder, buy prices and the approval subject each ask for the
partner's active programs, and several of them read the same catalog rows. Inside ``cached_reads``
an ORM SELECT that touches only the read-only tables below is executed once per transaction; the
same statement with the same parameters then returns the rows of the first execution. Nothing
outlives the block (one service call, hence one transaction), so the next checkout reads fresh.
Locking reads (FOR UPDATE) and ``populate_existing`` reads always go to the database.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import FrozenResult, Result
from sqlalchemy.orm import ORMExecuteState
from sqlalchemy.sql.elements import ClauseElement
from sqlalchemy.sql.util import find_tables
from sqlmodel import Session

# Tables a checkout only reads (partner and buyer rows are checked, never written, there).
_READ_ONLY = frozenset(
    {
        "partner",
        "buyer",
        "program",
        "program_membership",
        "product",
        "authorization_rule",
        "list_price",
        "buy_price",
        "distributor_relation",
        "payment_method_rule",
    }
)
_FLAG = "orders_cached_reads"
_cacheable: dict[Any, bool] = {}  # statement shape -> touches read-only tables only


@contextmanager
def cached_reads(session: Session) -> Iterator[None]:
    """Serve repeated read-only catalog SELECTs from their first execution while inside.

    The cache lives as long as the outermost ``with`` block (one service call, so one transaction):
    a caller that changes the catalog between two checkouts in one transaction is never served
    rows read before its change.
    """
    if session.info.get(_FLAG) is not None:  # nested: share the outer block's cache
        yield
        return
    session.info[_FLAG] = {}
    try:
        yield
    finally:
        session.info[_FLAG] = None


def _hashable(value: object) -> object:
    if isinstance(value, list | tuple):
        return tuple(_hashable(v) for v in value)
    if isinstance(value, dict):
        return tuple(sorted((str(k), _hashable(v)) for k, v in value.items()))
    return value


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
        ok = bool(tables) and all(getattr(t, "name", None) in _READ_ONLY for t in tables)
        if len(_cacheable) < 2000:
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
        frozen = state.invoke_statement().freeze()
        cache[key] = frozen
    return frozen()
