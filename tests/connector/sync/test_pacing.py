"""Pull transactions sized by time on SQLite, by the cap alone elsewhere."""

from __future__ import annotations

from connector.sync.pacing import SQLITE_BUDGET_S, TransactionPacer


def test_postgresql_takes_the_cap_whatever_the_time() -> None:
    pacer = TransactionPacer.for_dialect("postgresql", 250)
    assert pacer.size() == 250
    pacer.took(250, 5.0)
    assert pacer.size() == 250


def test_sqlite_starts_small_and_settles_on_what_fits_the_budget() -> None:
    pacer = TransactionPacer.for_dialect("sqlite", 250)
    assert pacer.size() == 50
    per_record = SQLITE_BUDGET_S / 80  # 80 records fit the budget
    for _ in range(12):
        n = pacer.size()
        pacer.took(n, n * per_record)
    assert 78 <= pacer.size() <= 80


def test_one_slow_transaction_halves_the_way_not_the_size_to_nothing() -> None:
    pacer = TransactionPacer(most=250, budget_s=0.02)
    for _ in range(12):
        pacer.took(pacer.size(), pacer.size() * 0.0001)  # 200 fit
    settled = pacer.size()
    pacer.took(settled, 1.0)  # a checkpoint, a busy minute
    assert pacer.size() == (settled + int(settled * 0.02 / 1.0)) // 2


def test_bounds_hold_and_a_cap_below_the_floor_wins() -> None:
    fast = TransactionPacer(most=250, budget_s=0.02)
    for _ in range(20):
        fast.took(fast.size(), 1e-9)
    assert fast.size() == 250
    slow = TransactionPacer(most=250, budget_s=0.02)
    for _ in range(20):
        slow.took(slow.size(), 10.0)
    assert slow.size() == 10
    tiny = TransactionPacer.for_dialect("sqlite", 5)
    assert tiny.size() == 5
    tiny.took(5, 10.0)
    assert tiny.size() == 5
