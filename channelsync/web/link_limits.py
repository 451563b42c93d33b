"""Rate limiting of token guesses: failed link look-ups per client address, in this process only.

Each process keeps its own counts (several web processes each allow the limit); a restart
forgets them. Only failures count: a customer opening a valid link again and again is never
refused, and a client over the limit is refused before its token is even looked at.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable


class LinkGuessLimiter:
    """At most ``limit`` failed link look-ups per client address in any ``window_s`` seconds."""

    def __init__(
        self, limit: int, window_s: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.limit = limit
        self.window_s = window_s
        self._clock = clock
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, client: str, now: float) -> deque[float] | None:
        failures = self._failures.get(client)
        if failures is None:
            return None
        while failures and failures[0] <= now - self.window_s:
            failures.popleft()
        if not failures:
            del self._failures[client]
            return None
        return failures

    def retry_after(self, client: str) -> int:
        """Seconds ``client`` must wait before trying a link again; 0 when it may try now."""
        with self._lock:
            now = self._clock()
            failures = self._recent(client, now)
            if failures is None or len(failures) < self.limit:
                return 0
            return max(1, int(failures[0] + self.window_s - now + 0.999))

    def failed(self, client: str) -> None:
        """Count a look-up of ``client`` whose token matched nothing."""
        with self._lock:
            now = self._clock()
            failures = self._recent(client, now)
            if failures is None:
                failures = self._failures[client] = deque()
            failures.append(now)
            if len(self._failures) > 100_000:  # bounded memory under a flood of addresses
                self._forget_quiet(now)

    def _forget_quiet(self, now: float) -> None:
        for client in list(self._failures):
            self._recent(client, now)
        while len(self._failures) > 50_000:  # still flooded: forget the longest-known addresses
            del self._failures[next(iter(self._failures))]
