"""One retry policy for every CRM call: exponential backoff with jitter, bounded in tries and time.

Only ``RetriableError`` is retried. A ``Retry-After`` the CRM sent is honoured (never waiting less
than it asked); a wait that would pass the deadline ends the retries at once, so a run never sleeps
beyond its budget of time.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from tenacity import RetryCallState, Retrying, retry_if_exception_type, stop_after_attempt

from connector.errors import RetriableError

T = TypeVar("T")


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how long to retry one call."""

    attempts: int = 6
    base_wait: float = 0.5  # seconds before the first retry, doubled each time
    max_wait: float = 30.0  # the longest single wait
    deadline: float = 120.0  # the longest time one call may take, retries included
    sleep: Callable[[float], None] = field(default=time.sleep, compare=False)
    clock: Callable[[], float] = field(default=time.monotonic, compare=False)

    def wait_for(self, state: RetryCallState) -> float:
        """Seconds to wait before the next try: Retry-After if given, else backoff with jitter."""
        exc = state.outcome.exception() if state.outcome is not None else None
        asked = exc.retry_after if isinstance(exc, RetriableError) else None
        backoff = min(self.max_wait, self.base_wait * 2.0 ** (state.attempt_number - 1))
        jittered: float = backoff / 2 + random.uniform(0, backoff / 2)
        return jittered if asked is None else max(float(asked), jittered)

    def call(
        self, fn: Callable[[], T], on_retry: Callable[[RetriableError, float], None] | None = None
    ) -> T:
        """Run ``fn``, retrying retriable failures; the last failure is raised as it was."""
        started = self.clock()

        def stop(state: RetryCallState) -> bool:
            if stop_after_attempt(self.attempts)(state):
                return True
            # tenacity computes the wait (upcoming_sleep) before it asks whether to stop.
            return self.clock() - started + state.upcoming_sleep > self.deadline

        def before_sleep(state: RetryCallState) -> None:
            exc = state.outcome.exception() if state.outcome is not None else None
            if on_retry is not None and isinstance(exc, RetriableError):
                on_retry(exc, state.upcoming_sleep)

        retrying = Retrying(
            stop=stop,
            wait=self.wait_for,
            retry=retry_if_exception_type(RetriableError),
            reraise=True,
            sleep=self.sleep,
            before_sleep=before_sleep,
        )
        return retrying(fn)
