"""SOQL date literals (TODAY, LAST_N_DAYS:n, THIS_QUARTER, ...) as day ranges, evaluated in UTC.

Weeks start on Sunday (the en_US locale) and the fiscal year is the calendar year (a new org's
default), so the FISCAL literals equal their calendar twins.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

from crm_sandbox.salesforce.soql_ast import DateRange

_FIXED_DAYS = {"YESTERDAY": (-1, 0), "TODAY": (0, 1), "TOMORROW": (1, 2)}
#: Unit name -> months per unit (0: weeks, counted in days).
_UNITS = {
    "WEEK": 0,
    "MONTH": 1,
    "QUARTER": 3,
    "YEAR": 12,
    "FISCAL_QUARTER": 3,
    "FISCAL_YEAR": 12,
}
_RELATIVE = re.compile(r"(THIS|LAST|NEXT)_(WEEK|MONTH|QUARTER|YEAR|FISCAL_QUARTER|FISCAL_YEAR)")
_N_UNITS = re.compile(
    r"(?:(LAST|NEXT)_N_(DAYS|WEEKS|MONTHS|QUARTERS|YEARS|FISCAL_QUARTERS|FISCAL_YEARS)"
    r"|N_(DAYS|WEEKS|MONTHS|QUARTERS|YEARS|FISCAL_QUARTERS|FISCAL_YEARS)_AGO):(\d+)"
)
#: Words that start a date literal taking ``:n`` (to tell a missing ``:n`` from a field name).
N_LITERAL = re.compile(r"(LAST|NEXT)_N_\w+|N_\w+_AGO")


def _add_months(day: date, months: int) -> date:
    total = day.year * 12 + day.month - 1 + months
    return date(total // 12, total % 12 + 1, 1)


def _period(today: date, unit: str, shift: int, count: int = 1) -> tuple[date, date]:
    """The ``count`` whole periods starting ``shift`` periods from the current one."""
    months = _UNITS[unit]
    if months == 0:
        start = today - timedelta(days=(today.weekday() + 1) % 7)
        return (start + timedelta(weeks=shift), start + timedelta(weeks=shift + count))
    first = date(today.year, today.month, 1)
    first = _add_months(first, -((first.month - 1) % months))
    return (_add_months(first, shift * months), _add_months(first, (shift + count) * months))


def relative_range(word: str, today: date) -> DateRange | None:
    """The range a date literal covers on ``today``, or ``None`` when ``word`` is not one."""
    upper = word.upper()
    if upper in _FIXED_DAYS:
        a, b = _FIXED_DAYS[upper]
        return DateRange(today + timedelta(days=a), today + timedelta(days=b), upper)
    if upper in ("LAST_90_DAYS", "NEXT_90_DAYS"):
        upper = upper.replace("_90_", "_N_") + ":90"
    m = _RELATIVE.fullmatch(upper)
    if m:
        shift = {"THIS": 0, "LAST": -1, "NEXT": 1}[m.group(1)]
        start, end = _period(today, m.group(2), shift)
        return DateRange(start, end, upper)
    m = _N_UNITS.fullmatch(upper)
    if m is None:
        return None
    direction, unit_n, unit_ago, raw_n = m.groups()
    n = int(raw_n)
    unit = (unit_n or unit_ago)[:-1]
    if unit == "DAY":
        if unit_ago:
            start, end = today - timedelta(days=n), today - timedelta(days=n - 1)
        elif direction == "LAST":
            start, end = today - timedelta(days=n), today + timedelta(days=1)
        else:
            start, end = today + timedelta(days=1), today + timedelta(days=n + 1)
        return DateRange(start, end, upper)
    if unit_ago:
        start, end = _period(today, unit, -n)
    elif direction == "LAST":
        start, end = _period(today, unit, -n, n)
    else:
        start, end = _period(today, unit, 1, n)
    return DateRange(start, end, upper)
