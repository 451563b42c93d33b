"""Delegation: while an approver is away, a named substitute (and, if away too, theirs) decides."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta


@dataclass(frozen=True, slots=True)
class Availability:
    """An approver's absence: away from ``away_from`` (None = already) through ``away_until``."""

    approver: str
    away_until: date | None
    substitute: str | None = None
    away_from: date | None = None

    def is_away(self, on: date) -> bool:
        """True when the approver is away on ``on``."""
        if self.away_until is None or on > self.away_until:
            return False
        return self.away_from is None or on >= self.away_from


def resolve_delegate(approver: str, availability: Mapping[str, Availability], on: date) -> str:
    """Who decides for ``approver`` on ``on``: the first one in the substitute chain who is present.

    An absent approver without a substitute keeps the request; a substitute loop falls back to
    ``approver`` (nobody in the loop is present).
    """
    seen = {approver}
    current = approver
    while True:
        entry = availability.get(current)
        if entry is None or not entry.is_away(on) or not entry.substitute:
            return current
        if entry.substitute in seen:
            return approver
        seen.add(entry.substitute)
        current = entry.substitute


def expires_at(started: datetime, expires_after: timedelta) -> datetime:
    """When a request started at ``started`` lapses if unanswered."""
    return started + expires_after
