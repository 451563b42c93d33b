"""Windows of the change stream: a span of SystemModstamp, resumable after a (stamp, id) position.

A window is read with one query ordered by (SystemModstamp, Id). When Salesforce gives up on it
(``QUERY_TIMEOUT``) the rest of it is split in two halves by time and each half is read in turn, so
the records still come in (stamp, id) order and none is skipped.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from connector.salesforce.soql import datetime_literal, quote
from connector.source import Cursor

#: The lower bound of a full read when a window must be split: no Salesforce org is older.
EPOCH = datetime(1999, 1, 1, tzinfo=UTC)
#: Salesforce keeps stamps to the millisecond: a window cannot be split below that.
_TICK = timedelta(milliseconds=1)


def floor_ms(moment: datetime) -> datetime:
    """``moment`` in UTC, cut to the millisecond (what a SOQL literal can say)."""
    utc = moment.astimezone(UTC)
    return utc.replace(microsecond=utc.microsecond // 1000 * 1000)


@dataclass(frozen=True)
class Window:
    """Records with ``lo <= SystemModstamp < hi`` (``lo`` None: no lower bound) after ``after``."""

    lo: datetime | None
    hi: datetime
    after: Cursor | None = None

    def where(self) -> str:
        """The SOQL condition selecting the window."""
        parts: list[str] = []
        if self.after is not None:
            stamp = datetime_literal(self.after.stamp)
            parts.append(
                f"(SystemModstamp > {stamp} OR (SystemModstamp = {stamp} "
                f"AND Id > {quote(self.after.last_id)}))"
            )
        elif self.lo is not None:
            parts.append(f"SystemModstamp >= {datetime_literal(self.lo)}")
        parts.append(f"SystemModstamp < {datetime_literal(self.hi)}")
        return " AND ".join(parts)

    def resumed(self, position: Cursor | None) -> Window:
        """The part of the window after ``position`` (the whole window when None)."""
        return self if position is None else Window(self.lo, self.hi, position)

    def halves(self) -> tuple[Window, Window] | None:
        """The window cut in two at the middle of its time span, or None when it is one tick."""
        start = self.after.stamp if self.after is not None else (self.lo or EPOCH)
        mid = floor_ms(start + (self.hi - start) / 2)
        if mid <= start or mid >= self.hi:
            return None
        return Window(self.lo, mid, self.after), Window(mid, self.hi)

    def describe(self) -> str:
        """The window for a message: ``[from, to)``."""
        start = self.after.stamp if self.after is not None else self.lo
        left = "the beginning" if start is None else datetime_literal(start)
        return f"[{left}, {datetime_literal(self.hi)})"
