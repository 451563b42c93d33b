"""What became of a leased outbox event (:class:`Outcome`), when a failed one is tried again (:class:`Backoff`)."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import timedelta
from typing import Literal

from order_core.settings import get_settings

#: The longest error text kept on an event.
ERROR_LIMIT = 2000
OutcomeKind = Literal["delivered", "retry", "dead", "skipped", "release"]


@dataclass(frozen=True)
class Outcome:
    """What became of one leased event.

    ``delivered``; ``retry`` (failed, try again after a backoff, or a dead letter once the attempts
    are spent; ``retry_after`` is the wait the receiver asked for, in seconds); ``dead`` (failed for
    good: a dead letter at once); ``skipped`` (nothing to deliver it to; ``error`` says why);
    ``release`` (not attempted: the lease is given back, no attempt counted).
    """

    kind: OutcomeKind
    error: str | None = None
    retry_after: float | None = None

    @classmethod
    def delivered(cls) -> Outcome:
        """The event was delivered."""
        return cls("delivered")

    @classmethod
    def retry(cls, error: str, retry_after: float | None = None) -> Outcome:
        """The delivery failed and may succeed later."""
        return cls("retry", error, retry_after)

    @classmethod
    def dead(cls, error: str) -> Outcome:
        """The delivery failed and trying again cannot help."""
        return cls("dead", error)

    @classmethod
    def skipped(cls, reason: str) -> Outcome:
        """There is nothing to deliver the event to."""
        return cls("skipped", reason)

    @classmethod
    def release(cls) -> Outcome:
        """The event was not attempted; another lease may take it at once."""
        return cls("release")


@dataclass(frozen=True)
class Backoff:
    """When a failed event is tried again: exponential backoff with jitter, and the attempt limit.

    The n-th failure waits between half and all of ``base * 2 ** (n - 1)`` (at most ``longest``),
    and never less than a ``Retry-After`` the receiver sent; the ``max_attempts``-th failure makes
    the event a dead letter.
    """

    max_attempts: int = 8
    base: timedelta = timedelta(seconds=30)
    longest: timedelta = timedelta(hours=1)

    @classmethod
    def from_settings(cls) -> Backoff:
        """The backoff of the ``CHANNELSYNC_OUTBOX_*`` settings."""
        s = get_settings()
        return cls(
            s.outbox_max_attempts,
            timedelta(seconds=s.outbox_retry_base_seconds),
            timedelta(seconds=s.outbox_retry_max_seconds),
        )

    def delay(self, failures: int, retry_after: float | None = None) -> timedelta:
        """The wait after the ``failures``-th failure (1 for the first)."""
        full = min(self.longest, self.base * (1 << max(0, failures - 1)))
        wait = full * random.uniform(0.5, 1.0)
        if retry_after is not None and timedelta(seconds=retry_after) > wait:
            return timedelta(seconds=retry_after)
        return wait


@dataclass(frozen=True)
class Recorded:
    """What :func:`record_outcomes` wrote; ``lost`` counts outcomes ignored because the lease was gone."""

    delivered: int = 0
    retried: int = 0
    dead: int = 0
    skipped: int = 0
    released: int = 0
    lost: int = 0
