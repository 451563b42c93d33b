"""Pull transactions sized by time on SQLite (short while others write, longer alone), by the cap
alone elsewhere; and the two SQLite facts the pull paces by: others' commits and its checkpoints."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlalchemy import text

from connector.sync.pacing import (
    SHARED_FOR_S,
    SQLITE_ALONE_S,
    SQLITE_MOST,
    SQLITE_SHARED_S,
    TransactionPacer,
)
from order_core.db import checkpoint, connection_session, make_engine, others_committed


class Clock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def _sqlite_pacer(clock: Clock) -> TransactionPacer:
    return TransactionPacer(
        most=SQLITE_MOST, budget_s=SQLITE_ALONE_S, shared_budget_s=SQLITE_SHARED_S, clock=clock
    )


def test_postgresql_takes_the_cap_whatever_the_time() -> None:
    pacer = TransactionPacer.for_dialect("postgresql", 250)
    assert pacer.size() == 250
    pacer.took(250, 5.0, others_wrote=True)
    assert pacer.size() == 250
    assert TransactionPacer.for_dialect("postgresql").size() == 250


def test_sqlite_alone_settles_on_what_fits_the_long_budget() -> None:
    pacer = TransactionPacer.for_dialect("sqlite")
    assert pacer.size() == 5  # small until the first transaction tells who else writes
    per_record = SQLITE_ALONE_S / 400  # 400 records fit the budget
    for _ in range(14):
        n = pacer.size()
        pacer.took(n, n * per_record)
    assert 396 <= pacer.size() <= 400


def test_others_writing_shrink_the_next_transaction_at_once_then_it_grows_back() -> None:
    clock = Clock()
    pacer = _sqlite_pacer(clock)
    per_record = SQLITE_ALONE_S / 400
    for _ in range(14):
        pacer.took(pacer.size(), pacer.size() * per_record)
    alone = pacer.size()
    # A checkout committed meanwhile: the very next transaction fits the short budget.
    pacer.took(alone, alone * per_record, others_wrote=True)
    shared = pacer.size()
    assert shared == int(alone * SQLITE_SHARED_S / (alone * per_record))
    assert shared < alone // 5
    # Still shared while others' last commit is recent, even in a transaction without one.
    clock.now += SHARED_FOR_S / 2
    pacer.took(shared, shared * per_record)
    assert pacer.size() <= shared + 1
    # Quiet for longer than SHARED_FOR_S: back towards the long budget, halfway at a time.
    clock.now += SHARED_FOR_S
    pacer.took(pacer.size(), pacer.size() * per_record)
    assert shared < pacer.size() < alone
    for _ in range(14):
        pacer.took(pacer.size(), pacer.size() * per_record)
    assert pacer.size() >= alone - 4


def test_one_slow_transaction_halves_the_way_not_the_size_to_nothing() -> None:
    pacer = TransactionPacer(most=250, budget_s=0.02)
    for _ in range(12):
        pacer.took(pacer.size(), pacer.size() * 0.0001)  # 200 fit
    settled = pacer.size()
    pacer.took(settled, 1.0)  # a busy minute
    assert pacer.size() == (settled + int(settled * 0.02 / 1.0)) // 2


def test_bounds_hold_and_a_cap_below_the_floor_wins() -> None:
    fast = TransactionPacer(most=250, budget_s=0.02)
    for _ in range(20):
        fast.took(fast.size(), 1e-9)
    assert fast.size() == 250
    slow = TransactionPacer(most=250, budget_s=0.02)
    for _ in range(20):
        slow.took(slow.size(), 10.0)
    assert slow.size() == 5
    tiny = TransactionPacer.for_dialect("sqlite", 5)
    assert tiny.size() == 5
    tiny.took(5, 10.0, others_wrote=True)
    assert tiny.size() == 5


def test_others_committed_sees_another_connections_commit_not_its_own(tmp_path: Path) -> None:
    path = tmp_path / "core.db"
    engine = make_engine(f"sqlite:///{path}")
    with connection_session(engine, checkpoints_apart=True) as session:
        session.execute(text("CREATE TABLE t (x INTEGER)"))
        session.commit()
        assert others_committed(session) is False  # the first call only notes where it is
        session.execute(text("INSERT INTO t VALUES (1)"))
        session.commit()
        assert others_committed(session) is False  # its own commit
        other = sqlite3.connect(path)
        other.execute("INSERT INTO t VALUES (2)")
        other.commit()
        other.close()
        assert others_committed(session) is True
        assert others_committed(session) is False
    engine.dispose()


def test_a_checkpoints_apart_session_leaves_the_wal_to_checkpoint(tmp_path: Path) -> None:
    path = tmp_path / "core.db"
    engine = make_engine(f"sqlite:///{path}")
    wal = Path(f"{path}-wal")
    with connection_session(engine, checkpoints_apart=True) as session:
        raw = session.connection().connection.dbapi_connection
        assert raw is not None
        session.commit()
        assert raw.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == 0
        session.execute(text("CREATE TABLE t (x TEXT)"))
        for _ in range(3):  # well over 1,000 pages of WAL, never copied back by a commit
            session.execute(text("INSERT INTO t SELECT hex(randomblob(2000)) FROM t"), {})
            session.execute(
                text(
                    "INSERT INTO t SELECT hex(randomblob(2000)) "
                    "FROM (WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n "
                    "WHERE i < 1000) SELECT i FROM n)"
                )
            )
            session.commit()
        # The pages are all in the WAL: the database file has not grown.
        assert path.stat().st_size < 100_000 < wal.stat().st_size
        checkpoint(session)  # asked for; the session's checkpoint thread runs it
    # The block's end waited for the checkpoint: the rows are in the database file.
    assert path.stat().st_size > 1_000_000
    with engine.connect() as conn:  # the pooled connection is itself again
        raw = conn.connection.dbapi_connection
        assert raw is not None
        assert raw.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == 1000
    engine.dispose()
