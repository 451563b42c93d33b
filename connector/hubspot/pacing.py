"""HubSpot's rate limits kept on our side, and what its rate-limit headers and 429s say.

HubSpot counts every call of an app in a rolling 10-second window (190 on Professional and
Enterprise, 100 on Free and Starter) and search calls also at 5 per second. Its answers carry:

* ``X-HubSpot-RateLimit-Max`` / ``-Remaining``: calls allowed / left in the rolling window of
  ``X-HubSpot-RateLimit-Interval-Milliseconds`` (10,000);
* ``X-HubSpot-RateLimit-Secondly`` / ``-Secondly-Remaining``: the per-second allowance;
* ``X-HubSpot-RateLimit-Daily`` / ``-Daily-Remaining``: the day's allowance (read by ``ApiBudget``).

Search answers carry none of them. A smaller allowance a portal announces (a Starter portal's 100
per 10 s) replaces the configured one.

A call takes a slot in *every* window that applies at one instant (taking them one limiter after
the other would stamp the first slot too early whenever the second makes the call wait). HubSpot
counts a call somewhere between our sending it and its answer arriving, so a slot is dated when
the answer arrives: a call then only goes out once the call it replaces in the window was
answered a full window ago, and no delay on the wire or in HubSpot can put one call too many in
one of HubSpot's windows. That costs one answer's latency per window length, not a fixed margin.

A 429 names its policy: ``DAILY`` cannot be waited out within a run (the run stops, to resume
tomorrow); ``SECONDLY`` frees up within a second; ``TEN_SECONDLY_ROLLING`` within the window.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

WINDOW_SECONDS = 10.0
_EPSILON = 1e-6  # a wait this short is float noise (and would not move a clock at all)
_IN_FLIGHT_WAIT = 0.05  # seconds between looks while the window waits on a call in flight


class Slot:
    """One call's place in a window: dated when sent, re-dated when its answer arrives."""

    __slots__ = ("at", "done")

    def __init__(self, at: float) -> None:
        self.at = at
        self.done = False


@dataclass
class Window:
    """At most ``calls`` calls in any ``period`` seconds."""

    calls: int
    period: float
    slots: list[Slot] = field(default_factory=list)

    def pause(self, now: float) -> float | None:
        """Seconds until one more call fits (0: now; None: only once a call in flight is answered)."""
        self.slots = [
            s for s in self.slots if not (s.done and now - s.at >= self.period - _EPSILON)
        ]
        if len(self.slots) < self.calls:
            return 0.0
        must_expire = len(self.slots) - self.calls + 1
        answered = sorted(s.at for s in self.slots if s.done)
        if len(answered) < must_expire:
            return None
        return self.period - (now - answered[must_expire - 1])


@dataclass(frozen=True)
class Clock:
    """Where pacing reads the time and how it waits (a fake pair makes tests instant)."""

    now: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep


class Pacing:
    """The windows one HubSpot connection's calls must fit in (thread-safe)."""

    def __init__(
        self, requests_per_10s: int, searches_per_second: int, clock: Clock | None = None
    ) -> None:
        self.clock = clock or Clock()
        self.window = Window(requests_per_10s, WINDOW_SECONDS)
        self.search = Window(searches_per_second, 1.0)
        self.secondly: Window | None = None
        self.waited = 0.0  # seconds spent waiting, for the run report
        self._lock = threading.Lock()

    def acquire(self, *, search: bool) -> list[Slot]:
        """Wait until a call (a search call when ``search``) fits in every window; its slots.

        Hand the slots to :meth:`answered` once the call's answer (or failure) is in.
        """
        while True:
            with self._lock:
                windows = [self.window, *([self.secondly] if self.secondly else [])]
                if search:
                    windows.append(self.search)
                now = self.clock.now()
                pauses = [w.pause(now) for w in windows]
                if all(p is not None and p <= 0 for p in pauses):
                    taken = [Slot(now) for _ in windows]
                    for window, slot in zip(windows, taken, strict=True):
                        window.slots.append(slot)
                    return taken
                in_flight = _IN_FLIGHT_WAIT if None in pauses else 0.0
                pause = max([in_flight, *(p for p in pauses if p is not None)])
            self.waited += pause
            self.clock.sleep(pause)

    def answered(self, slots: list[Slot]) -> None:
        """Date a call's slots at the arrival of its answer."""
        with self._lock:
            now = self.clock.now()
            for slot in slots:
                slot.at, slot.done = now, True

    def learn(self, headers: Mapping[str, str]) -> None:
        """Adopt a smaller allowance the portal announces in its rate-limit headers."""
        top = _int(headers.get("X-HubSpot-RateLimit-Max"))
        interval = _int(headers.get("X-HubSpot-RateLimit-Interval-Milliseconds"))
        secondly = _int(headers.get("X-HubSpot-RateLimit-Secondly"))
        with self._lock:
            if top and interval == int(WINDOW_SECONDS * 1000) and top < self.window.calls:
                self.window.calls = top
            if secondly and (self.secondly is None or secondly < self.secondly.calls):
                # a new per-second window starts from the calls of the last second
                self.secondly = Window(secondly, 1.0, list(self.window.slots))


def retry_after(headers: Mapping[str, str], policy: str | None) -> float | None:
    """Seconds a 429 asks us to wait: ``Retry-After`` if sent, else what its policy implies.

    None leaves the wait to the retry policy's backoff (a rolling window frees up gradually).
    """
    raw = headers.get("Retry-After")
    if raw is not None:
        try:
            return max(0.0, float(raw))
        except ValueError:
            pass  # an HTTP date: HubSpot sends seconds; fall back to the policy
    if policy == "SECONDLY":
        return 1.0
    return None


def _int(value: str | None) -> int | None:
    if value is None:
        return None
    text = value.strip()
    return int(text) if text.isdigit() else None
