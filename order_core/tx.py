"""One service call = one transaction: the decorator every state-changing service function wears."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar

from sqlmodel import Session

P = ParamSpec("P")
R = TypeVar("R")
_DEPTH = "channelsync_tx_depth"


def transactional(fn: Callable[P, R]) -> Callable[P, R]:
    """Run ``fn(..., session=...)`` as one transaction.

    The outermost service call commits on success and rolls back on any error, so the state
    change, its audit entry and its outbox events land together or not at all. A service called
    from another service joins the caller's transaction.
    """

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        session = kwargs.get("session")
        if not isinstance(session, Session):
            raise TypeError(f"{fn.__name__} needs the keyword argument session=Session")
        depth = int(session.info.get(_DEPTH, 0))
        session.info[_DEPTH] = depth + 1
        try:
            result = fn(*args, **kwargs)
            if depth == 0:
                session.commit()
            return result
        except BaseException:
            if depth == 0:
                session.rollback()
            raise
        finally:
            session.info[_DEPTH] = depth

    return wrapper


_MEMO = "channelsync_tx_memo"


def transaction_memo(session: Session) -> dict[str, Any]:
    """A dictionary that lives exactly as long as the session's current transaction.

    It begins the transaction if none is open, so the memo belongs to the transaction the work
    happens in; savepoints share their transaction's memo, and the next transaction starts empty,
    so nothing read or written in one transaction is trusted in the next.
    """
    txn = session.get_transaction() or session.begin()
    while txn.parent is not None:
        txn = txn.parent
    memo = session.info.get(_MEMO)
    if memo is None or memo[0] is not txn:
        memo = (txn, {})
        session.info[_MEMO] = memo
    data: dict[str, Any] = memo[1]
    return data
