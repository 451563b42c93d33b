"""How many records one pull transaction takes: as many as fit in a time budget, within bounds.

On SQLite every write transaction holds the database's only write lock, so a checkout waits for
whatever transaction of the pull is running. The pull therefore sizes its transactions by time,
with two budgets: a short one while other connections write (a checkout then waits a few
milliseconds at most) and a longer one while the pull writes alone (fewer commits, more records
a second). After each transaction the next takes as many records as the last one's rate fits in
the budget of the moment. On PostgreSQL rows lock one by one and nothing waits for the pull: no
budget, only the record cap.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

SQLITE_ALONE_S = 0.05  # nobody else writes: a sporadic checkout waits at most about this long
SQLITE_SHARED_S = 0.003  # others write: each of their transactions waits at most about this long
SHARED_FOR_S = 2.0  # the short budget holds this long after another connection's last commit
SQLITE_MOST = 1000  # records in one transaction on SQLite, at most
POSTGRES_MOST = 250


@dataclass
class TransactionPacer:
    """Records for the next transaction, learnt from the time the previous ones took."""

    most: int = 250
    budget_s: float | None = None  # while the pull writes alone; None: no budget, always ``most``
    shared_budget_s: float | None = None  # while others write too (None: ``budget_s``)
    shared_for_s: float = SHARED_FOR_S
    fewest: int = 5  # a transaction costs about 2 ms before its records: fewer is no shorter
    clock: Callable[[], float] = time.monotonic
    _next: int = field(init=False, default=0)
    _shared_until: float = field(init=False, default=float("-inf"))
    _was_shared: bool = field(init=False, default=False)

    def __post_init__(self) -> None:
        self.fewest = min(self.fewest, self.most)
        # With a budget, start small: whether others write is known only after the first
        # transaction, and a checkout waiting behind a long first one would wait for all of it.
        self._next = self.most if self.budget_s is None else self.fewest

    @classmethod
    def for_dialect(cls, dialect: str, most: int | None = None) -> TransactionPacer:
        """The pacing a database needs: time budgets on SQLite, only the cap elsewhere."""
        if dialect != "sqlite":
            return cls(most=most or POSTGRES_MOST)
        return cls(
            most=most or SQLITE_MOST, budget_s=SQLITE_ALONE_S, shared_budget_s=SQLITE_SHARED_S
        )

    def alone(self) -> bool:
        """Whether the pull writes alone as far as the last transaction told (always on
        PostgreSQL, where nobody waits for the pull's transactions)."""
        return self.budget_s is None or not self._was_shared

    def size(self) -> int:
        """How many records the next transaction takes."""
        return self._next

    def took(self, records: int, seconds: float, *, others_wrote: bool = False) -> None:
        """A transaction of ``records`` records took ``seconds`` (``others_wrote``: another
        connection committed since the previous one): size the next one."""
        if self.budget_s is None or records <= 0:
            return
        now = self.clock()
        if others_wrote:
            self._shared_until = now + self.shared_for_s
        shared = now < self._shared_until and self.shared_budget_s is not None
        budget = self.shared_budget_s if shared and self.shared_budget_s else self.budget_s
        fit = int(records * budget / max(seconds, 1e-6))
        # Move halfway towards what fits: one slow transaction (a busy minute) does not throw
        # the size about. But when others have just started writing, shrink at once: they wait.
        wanted = fit if shared and not self._was_shared else (self._next + fit) // 2
        self._was_shared = shared
        self._next = min(self.most, max(self.fewest, wanted))
