"""Commission periods (``YYYY-MM``): checking the text, their first and last days, which are closed."""

from __future__ import annotations

import re
from datetime import date, timedelta

from sqlmodel import Session, col, select

from order_core.commissions.models import CommissionPeriod
from order_core.errors import invalid

_PERIOD = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


def check_period(period: str) -> tuple[date, date]:
    """The first and last day of ``period``; ValidationFailed naming the fix when it is no month."""
    found = _PERIOD.match(period.strip())
    if found is None:
        raise invalid("commission run", "period", f"{period!r} is not a month; give it as YYYY-MM, e.g. 2027-03")  # fmt: skip
    first = date(int(found[1]), int(found[2]), 1)
    following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    return first, following - timedelta(days=1)


def period_of(day: date) -> str:
    """The period a day falls in."""
    return f"{day.year:04d}-{day.month:02d}"


def closed_periods(session: Session) -> set[str]:
    """Periods approved or paid: their amounts are frozen and nothing is added to them."""
    stmt = select(CommissionPeriod.period).where(col(CommissionPeriod.state) != "open")
    return set(session.exec(stmt))


def open_period(session: Session, period: str, *, lock: bool = False) -> CommissionPeriod:
    """The period's row, created open when missing (row-locked with ``lock``)."""
    stmt = select(CommissionPeriod).where(CommissionPeriod.period == period)
    if lock:
        stmt = stmt.with_for_update()
    row = session.exec(stmt).first()
    if row is None:
        row = CommissionPeriod(period=period)
        session.add(row)
        session.flush()
    return row
