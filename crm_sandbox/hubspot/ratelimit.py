"""HubSpot-style rate limits: a rolling 10-second budget, a daily budget and search's 5 requests/s.

Defaults are a private app on an Enterprise portal: 190 requests per rolling 10 seconds and
1,000,000 per day (resetting at midnight UTC), search limited to 5 requests per second. Every
accepted CRM call spends one unit of both budgets; a refused call spends nothing. Non-search
responses carry the ``X-HubSpot-RateLimit-*`` headers; search responses do not, as on HubSpot.
A refusal is a 429 with HubSpot's body (``errorType: RATE_LIMIT`` and a ``policyName`` of
``TEN_SECONDLY_ROLLING``, ``DAILY`` or ``SECONDLY``).
"""

from __future__ import annotations

import threading
import time
from collections import deque
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

from crm_sandbox.common.http import Response, json_response
from crm_sandbox.hubspot.wire import correlation_id

INTERVAL_MS = 10_000


@dataclass
class RateLimitConfig:
    """The budgets; ``enabled=False`` turns enforcement off (headers are still sent)."""

    ten_second_max: int = 190
    daily_max: int = 1_000_000
    search_per_second: int = 5
    enabled: bool = True

    @classmethod
    def from_json(cls, data: dict[str, Any], base: RateLimitConfig) -> RateLimitConfig:
        """A config from the admin API's JSON, defaulting to ``base``'s values."""
        merged = {**asdict(base), **data}
        return cls(
            ten_second_max=int(merged["ten_second_max"]),
            daily_max=int(merged["daily_max"]),
            search_per_second=int(merged["search_per_second"]),
            enabled=bool(merged["enabled"]),
        )


class RateLimiter:
    """Tracks usage against the configured budgets (thread-safe)."""

    def __init__(self, config: RateLimitConfig | None = None) -> None:
        self._lock = threading.Lock()
        self.config = config or RateLimitConfig()
        self._window: deque[float] = deque()
        self._search: deque[float] = deque()
        self._day = datetime.now(UTC).date()
        self._daily_used = 0

    def configure(self, config: RateLimitConfig) -> None:
        """Replace the budgets (usage so far is kept)."""
        with self._lock:
            self.config = config

    def reset(self) -> None:
        """Forget all usage."""
        with self._lock:
            self._window.clear()
            self._search.clear()
            self._daily_used = 0

    def set_daily_used(self, used: int) -> None:
        """Pretend ``used`` calls were already spent today (to test budget guards)."""
        with self._lock:
            self._daily_used = used

    def _prune(self, t: float) -> None:
        while self._window and t - self._window[0] >= INTERVAL_MS / 1000:
            self._window.popleft()
        while self._search and t - self._search[0] >= 1.0:
            self._search.popleft()
        today = datetime.now(UTC).date()
        if today != self._day:
            self._day, self._daily_used = today, 0

    def acquire(self, *, search: bool) -> Response | None:
        """Spend one call, or return the 429 response when a budget is exhausted."""
        with self._lock:
            t = time.monotonic()
            self._prune(t)
            cfg = self.config
            if cfg.enabled:
                if self._daily_used >= cfg.daily_max:
                    return _too_many("DAILY", "You have reached your daily limit.")
                if search and len(self._search) >= cfg.search_per_second:
                    return _too_many("SECONDLY", "You have reached your secondly limit.")
                if len(self._window) >= cfg.ten_second_max:
                    return _too_many(
                        "TEN_SECONDLY_ROLLING", "You have reached your ten_secondly_rolling limit."
                    )
            self._window.append(t)
            if search:
                self._search.append(t)
            self._daily_used += 1
            return None

    def headers(self) -> dict[str, str]:
        """The ``X-HubSpot-RateLimit-*`` headers describing current usage."""
        with self._lock:
            self._prune(time.monotonic())
            cfg = self.config
            remaining = max(0, cfg.ten_second_max - len(self._window))
            secondly = max(1, cfg.ten_second_max // 10)
            return {
                "X-HubSpot-RateLimit-Daily": str(cfg.daily_max),
                "X-HubSpot-RateLimit-Daily-Remaining": str(
                    max(0, cfg.daily_max - self._daily_used)
                ),
                "X-HubSpot-RateLimit-Interval-Milliseconds": str(INTERVAL_MS),
                "X-HubSpot-RateLimit-Max": str(cfg.ten_second_max),
                "X-HubSpot-RateLimit-Remaining": str(remaining),
                "X-HubSpot-RateLimit-Secondly": str(secondly),
                "X-HubSpot-RateLimit-Secondly-Remaining": str(min(secondly, remaining)),
            }

    def usage(self) -> dict[str, int]:
        """Calls spent in the current 10-second window and today."""
        with self._lock:
            self._prune(time.monotonic())
            return {"ten_second": len(self._window), "daily": self._daily_used}


def _too_many(policy: str, message: str) -> Response:
    return json_response(
        {
            "status": "error",
            "message": message,
            "errorType": "RATE_LIMIT",
            "correlationId": correlation_id(),
            "policyName": policy,
            "groupName": "api-calls",
        },
        429,
    )
