"""What a pull run reports: per object and in total, records by outcome, API calls, time, cursors."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from order_core.sync.records import PageResult

OUTCOMES = ("created", "updated", "deleted", "unchanged", "quarantined")


@dataclass
class ObjectReport:
    """One CRM object of one run."""

    crm_object: str
    read: int = 0
    created: int = 0
    updated: int = 0
    deleted: int = 0
    unchanged: int = 0
    quarantined: int = 0
    released: int = 0  # quarantined records that went through this time
    api_calls: int = 0
    seconds: float = 0.0
    cursor_before: str | None = None
    cursor_after: str | None = None

    def add(self, result: PageResult, read: int) -> None:
        """Count one applied page."""
        self.read += read
        for outcome in OUTCOMES:
            setattr(self, outcome, getattr(self, outcome) + result.total(outcome))  # type: ignore[arg-type]
        self.released += result.released


@dataclass
class RequestedReport:
    """What draining one connection's pull requests did: requests, records by outcome, ids not found."""

    connection: str
    requests: int = 0
    delivered: int = 0
    retried: int = 0
    dead_lettered: int = 0
    api_calls: int = 0
    missing: int = 0
    error: str | None = None
    objects: dict[str, ObjectReport] = field(default_factory=dict)

    def total(self, outcome: str) -> int:
        """One record outcome (or ``read``) summed over the objects."""
        return sum(int(getattr(o, outcome)) for o in self.objects.values())

    def as_dict(self) -> dict[str, Any]:
        """Plain data for the CLI and Dagster metadata."""
        return asdict(self)


@dataclass
class RunReport:
    """One run of one connection."""

    connection: str
    status: str = "running"  # ok | stopped (budget; resumes next run) | failed
    message: str = ""
    objects: dict[str, ObjectReport] = field(default_factory=dict)
    retried: ObjectReport = field(default_factory=lambda: ObjectReport("quarantine retry"))
    api_calls: int = 0
    budget_left: int | None = None
    seconds: float = 0.0
    #: The webhook-queued pull requests served before the run (``pull_connection``), if any.
    requested: RequestedReport | None = None

    def object(self, name: str) -> ObjectReport:
        """The report of one object (made on first use)."""
        return self.objects.setdefault(name, ObjectReport(name))

    def total(self, outcome: str) -> int:
        """One outcome (or ``read``) summed over every object and the quarantine retry."""
        return sum(int(getattr(o, outcome)) for o in [*self.objects.values(), self.retried])

    def as_dict(self) -> dict[str, Any]:
        """Plain data (stored with the run, shown by ``sync status``, Dagster metadata)."""
        return asdict(self)
