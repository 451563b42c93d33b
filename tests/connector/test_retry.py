"""The shared retry policy, limiter and budget guard, on a fake clock (no real sleeping)."""

from __future__ import annotations

import pytest

from connector.budget import ApiBudget
from connector.errors import BudgetExhausted, FatalError, RetriableError
from connector.limiter import RateLimiter
from connector.retry import RetryPolicy


class FakeClock:
    """A clock that only moves when slept on."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def _policy(clock: FakeClock, **kw: float) -> RetryPolicy:
    return RetryPolicy(sleep=clock.sleep, clock=clock, **kw)  # type: ignore[arg-type]


def _failing(errors: list[Exception]) -> object:
    calls = {"n": 0}

    def fn() -> str:
        calls["n"] += 1
        if errors:
            raise errors.pop(0)
        return "ok"

    fn.calls = calls  # type: ignore[attr-defined]
    return fn


def test_retriable_errors_are_retried_until_success() -> None:
    clock = FakeClock()
    fn = _failing([RetriableError("c", "503"), RetriableError("c", "reset")])
    assert _policy(clock).call(fn) == "ok"  # type: ignore[arg-type]
    assert fn.calls["n"] == 3  # type: ignore[attr-defined]
    assert len(clock.sleeps) == 2
    assert 0.25 <= clock.sleeps[0] <= 0.5 and 0.5 <= clock.sleeps[1] <= 1.0  # backoff with jitter


def test_retry_after_is_honoured() -> None:
    clock = FakeClock()
    fn = _failing([RetriableError("c", "429", retry_after=7.0)])
    assert _policy(clock).call(fn) == "ok"  # type: ignore[arg-type]
    assert clock.sleeps == [7.0]


def test_fatal_errors_are_not_retried() -> None:
    clock = FakeClock()
    fn = _failing([FatalError("c", "INVALID_FIELD")])
    with pytest.raises(FatalError):
        _policy(clock).call(fn)  # type: ignore[arg-type]
    assert clock.sleeps == []


def test_attempts_are_bounded() -> None:
    clock = FakeClock()
    fn = _failing([RetriableError("c", "503") for _ in range(10)])
    with pytest.raises(RetriableError):
        _policy(clock, attempts=4).call(fn)  # type: ignore[arg-type]
    assert fn.calls["n"] == 4  # type: ignore[attr-defined]


def test_a_wait_past_the_deadline_gives_up_at_once() -> None:
    clock = FakeClock()
    fn = _failing([RetriableError("c", "429", retry_after=600.0)])
    with pytest.raises(RetriableError):
        _policy(clock, deadline=60.0).call(fn)  # type: ignore[arg-type]
    assert clock.sleeps == []


def test_limiter_keeps_calls_inside_the_window() -> None:
    clock = FakeClock()
    limiter = RateLimiter(3, 10.0, clock=clock, sleep=clock.sleep)
    times = []
    for _ in range(7):
        limiter.acquire()
        times.append(clock.now)
    assert times == [0.0, 0.0, 0.0, 10.0, 10.0, 10.0, 20.0]
    for i, t in enumerate(times):
        assert sum(1 for u in times if t - 10.0 < u <= t) <= 3, i


def test_budget_reads_both_crms_headers_and_stops_at_its_share() -> None:
    budget = ApiBudget("acme-sf", share=0.5)
    budget.read_headers({"Sforce-Limit-Info": "api-usage=4990/10000"})
    assert budget.left == 10
    budget.before_call()
    budget.read_headers({"Sforce-Limit-Info": "api-usage=5000/10000"})
    with pytest.raises(BudgetExhausted, match="acme-sf: API budget spent: 5000 of 10000"):
        budget.before_call()
    hs = ApiBudget("emea-hs", share=0.9)
    hs.read_headers(
        {"X-HubSpot-RateLimit-Daily": "250000", "X-HubSpot-RateLimit-Daily-Remaining": "200000"}
    )
    assert (hs.used, hs.limit, hs.left) == (50000, 250000, 175000)
