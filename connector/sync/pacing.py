"""How many records one pull transaction takes: as many as fit in a time budget, within bounds.

On SQLite every write transaction holds the database's only write lock, so a checkout waits for
whatever transaction of the pull is running. The pull therefore sizes its transactions by time:
after each one, the next takes as many records as the last one's rate fits in the budget. On
PostgreSQL rows lock one by one and nothing waits for the pull: no budget, only the record cap.
"""

from __future__ import annotations

from dataclasses import dataclass, field

SQLITE_BUDGET_S = 0.02  # a checkout waits at most about this long for the pull


@dataclass
class TransactionPacer:
    """Records for the next transaction, learnt from the time the previous ones took."""

    most: int = 250
    budget_s: float | None = None
    fewest: int = 10
    _next: int = field(init=False, default=0)

    def __post_init__(self) -> None:
        self.fewest = min(self.fewest, self.most)
        self._next = self.most if self.budget_s is None else max(self.fewest, self.most // 5)

    @classmethod
    def for_dialect(cls, dialect: str, most: int) -> TransactionPacer:
        """The pacing a database needs: a time budget on SQLite, only the cap elsewhere."""
        return cls(most=most, budget_s=SQLITE_BUDGET_S if dialect == "sqlite" else None)

    def size(self) -> int:
        """How many records the next transaction takes."""
        return self._next

    def took(self, records: int, seconds: float) -> None:
        """A transaction of ``records`` records took ``seconds``: size the next one."""
        if self.budget_s is None or records <= 0:
            return
        fit = int(records * self.budget_s / max(seconds, 1e-6))
        # Move halfway towards what fits: one slow transaction (a checkpoint, a busy
        # minute) does not throw the size about.
        wanted = (self._next + fit) // 2
        self._next = min(self.most, max(self.fewest, wanted))
