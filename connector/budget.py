"""The API budget guard: stop a run cleanly before it spends more than its share of the CRM's limit.

Both CRMs say how much of the daily allowance is used on every response: Salesforce in
``Sforce-Limit-Info: api-usage=USED/LIMIT``, HubSpot in ``X-HubSpot-RateLimit-Daily`` and
``X-HubSpot-RateLimit-Daily-Remaining``. The guard keeps the latest reading and refuses the next call
once used / limit reaches the configured share, so other integrations keep the rest.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field

from connector.errors import BudgetExhausted

_SF_USAGE = re.compile(r"api-usage=(\d+)/(\d+)")


@dataclass
class ApiBudget:
    """Calls made by this run, and the CRM's latest word on its daily allowance."""

    connection: str
    share: float = 0.8  # stop once this share of the daily limit is used
    calls: int = 0
    used: int | None = None
    limit: int | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def left(self) -> int | None:
        """Calls left before the share is reached (None until the CRM has said)."""
        if self.used is None or self.limit is None:
            return None
        return max(0, int(self.limit * self.share) - self.used)

    def before_call(self) -> None:
        """Count a call about to go out; BudgetExhausted if the share is already spent."""
        with self._lock:
            if self.left == 0:
                raise BudgetExhausted(
                    self.connection,
                    f"API budget spent: {self.used} of {self.limit} daily calls used, the limit for "
                    f"this connection is {self.share:.0%}; the run stops and resumes next run "
                    "(raise budget_share in the connections file to allow more)",
                )
            self.calls += 1

    def read_headers(self, headers: Mapping[str, str]) -> None:
        """Update the reading from a response's headers (either CRM's form; others ignored)."""
        used = limit = None
        info = headers.get("Sforce-Limit-Info") or headers.get("sforce-limit-info")
        if info and (m := _SF_USAGE.search(info)):
            used, limit = int(m.group(1)), int(m.group(2))
        daily = headers.get("X-HubSpot-RateLimit-Daily") or headers.get("x-hubspot-ratelimit-daily")
        remaining = headers.get("X-HubSpot-RateLimit-Daily-Remaining") or headers.get(
            "x-hubspot-ratelimit-daily-remaining"
        )
        if daily and remaining and daily.isdigit() and remaining.isdigit():
            limit, used = int(daily), int(daily) - int(remaining)
        if used is not None and limit:
            with self._lock:
                self.used, self.limit = used, limit
