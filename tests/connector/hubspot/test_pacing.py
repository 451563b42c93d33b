"""Client-side pacing: HubSpot's windows on a fake clock, what the headers teach, and a pull against
the sandbox with its rate limits on that never sees a 429."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest

from connector.hubspot import Clock, open_hubspot
from connector.hubspot.pacing import Pacing
from crm_sandbox.hubspot import HubSpotSandboxHandle, RateLimitConfig
from tests.connector.hubspot.conftest import FakeClock, private_app


def _pacing(clock: FakeClock, per_10s: int = 190, searches: int = 5) -> Pacing:
    return Pacing(per_10s, searches, Clock(clock.now, clock.sleep))


def _call(pacing: Pacing, clock: FakeClock, *, search: bool, latency: float = 0.0) -> float:
    """One paced call answered after ``latency`` seconds; returns when it went out."""
    slots = pacing.acquire(search=search)
    sent = clock.t
    clock.t += latency
    pacing.answered(slots)
    return sent


def test_searches_wait_for_the_per_second_window() -> None:
    clock = FakeClock()
    pacing = _pacing(clock)
    for _ in range(5):
        _call(pacing, clock, search=True)
    _call(pacing, clock, search=False)  # other calls do not count against search
    assert clock.sleeps == []
    _call(pacing, clock, search=True)
    assert clock.sleeps == [1.0]


def test_a_window_runs_from_when_the_answer_arrived() -> None:
    # HubSpot counts a call at some moment before its answer: the window is dated from the
    # answer, so a slow answer can never squeeze a sixth search into HubSpot's second.
    clock = FakeClock()
    pacing = _pacing(clock)
    first = _call(pacing, clock, search=True, latency=0.3)
    for _ in range(4):
        _call(pacing, clock, search=True)
    sixth = _call(pacing, clock, search=True)
    assert sixth - first == pytest.approx(1.3)


def test_all_calls_share_the_ten_second_window() -> None:
    clock = FakeClock()
    pacing = _pacing(clock, per_10s=20, searches=5)
    for _ in range(20):
        _call(pacing, clock, search=False)
    start = clock.t
    _call(pacing, clock, search=True)  # the search window is free, the 10-second one is not
    assert clock.t - start == pytest.approx(10.0)
    assert len(pacing.window.slots) == 1 and len(pacing.search.slots) == 1


def test_a_call_takes_its_slots_in_every_window_at_one_instant() -> None:
    clock = FakeClock()
    pacing = _pacing(clock, per_10s=6, searches=5)
    for _ in range(5):
        _call(pacing, clock, search=True)
    _call(pacing, clock, search=False)
    slots = pacing.acquire(search=True)  # waits for the 10-second window, far longer than 1 s
    assert [s.at for s in slots] == [clock.t, clock.t]
    assert pacing.search.slots[-1] is slots[-1] and pacing.window.slots[-1] is slots[0]


def test_a_full_window_of_calls_in_flight_waits_for_an_answer() -> None:
    clock = FakeClock()
    pacing = _pacing(clock, per_10s=2)
    flying = [pacing.acquire(search=False) for _ in range(2)]
    got: list[float] = []
    waiter = threading.Thread(target=lambda: got.append(pacing.acquire(search=False)[0].at))
    waiter.start()
    time.sleep(0.05)
    assert got == []  # no answer yet: nothing can be known to have left HubSpot's window
    pacing.answered(flying[0])
    answered_at = flying[0][0].at
    waiter.join(timeout=5)
    assert got and got[0] >= answered_at + 10.0


def test_headers_teach_a_smaller_allowance() -> None:
    clock = FakeClock()
    pacing = _pacing(clock)
    headers = {
        "X-HubSpot-RateLimit-Max": "100",
        "X-HubSpot-RateLimit-Interval-Milliseconds": "10000",
        "X-HubSpot-RateLimit-Secondly": "10",
    }
    pacing.learn(headers)
    assert pacing.window.calls == 100
    assert pacing.secondly is not None and pacing.secondly.calls == 10
    pacing.learn({**headers, "X-HubSpot-RateLimit-Max": "250"})  # never above the configured 190
    assert pacing.window.calls == 100
    for _ in range(11):
        _call(pacing, clock, search=False)
    assert clock.sleeps == [1.0]


def test_long_runs_on_a_large_clock_do_not_stall() -> None:
    clock = FakeClock()
    clock.t = 1e9  # where float rounding would swallow a tiny wait
    pacing = _pacing(clock)
    for _ in range(2000):
        _call(pacing, clock, search=True)
    assert len(pacing.search.slots) <= 5


def test_a_pull_with_the_sandbox_limits_on_sees_no_429(hs: HubSpotSandboxHandle) -> None:
    # HubSpot's real budgets (190 / 10 s, search 5 / s), real time: 12 search pages take ~2 s.
    start = max(r.updated for r in hs.app.records("deals")) + timedelta(seconds=1)
    for i in range(2360):
        at = start + timedelta(milliseconds=i)
        hs.app.create_record("deals", {"dealname": f"Paced {i}"}, updated=at, created=at)
    hs.app.limiter.configure(RateLimitConfig())
    hs.app.reset_rate_usage()
    source = open_hubspot(private_app(hs), clock=Clock())
    try:
        pages = list(source.changed("deals", ["dealname"], ["companies"], None))
    finally:
        source.close()
    assert sum(len(p.records) for p in pages) == 2400
    statuses = [r.status for r in hs.app.requests()]
    # 13 searches and 13 association reads (207: the new deals have no associations), no 429
    assert len(statuses) == 26 and set(statuses) <= {200, 207}
    assert source.client.pacing.waited > 0  # the windows, not HubSpot, held the pace
