"""SOQL dateTime literals in every form Salesforce accepts, and date literals (TODAY, LAST_N_DAYS:n...)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import quote

import pytest
import requests

from crm_sandbox.salesforce.testing import SalesforceSandboxHandle
from tests.crm_sandbox.salesforce.oracle import live, stamp_of

DAY = timedelta(days=1)


def utc_today() -> date:
    return datetime.now(UTC).date()


def forms_of(at: datetime) -> list[str]:
    """The same instant written every way Salesforce accepts a dateTime literal."""
    ms = at.microsecond // 1000

    def local(offset: timedelta, sep: str) -> str:
        shifted = at + offset
        sign = "-" if offset < timedelta(0) else "+"
        hours, minutes = divmod(abs(int(offset.total_seconds())) // 60, 60)
        return (
            shifted.strftime("%Y-%m-%dT%H:%M:%S") + f".{ms:03d}{sign}{hours:02d}{sep}{minutes:02d}"
        )

    base = at.strftime("%Y-%m-%dT%H:%M:%S")
    return [
        f"{base}.{ms:03d}Z",
        f"{base}.{ms:03d}000Z",  # a bookmark kept in microseconds: the exact case
        f"{base}.{ms:03d}000000Z",
        f"{base}.{ms:03d}+00:00",
        f"{base}.{ms:03d}+0000",
        local(timedelta(hours=-8), ":"),
        local(timedelta(hours=-8), ""),
        local(timedelta(hours=5, minutes=30), ":"),
    ]


def test_every_datetime_form_selects_the_same_records(
    sf: Any, raw: requests.Session, sf_sandbox: SalesforceSandboxHandle
) -> None:
    stamps = sorted(stamp_of(r) for r in live(sf_sandbox, "Opportunity"))
    pivot = stamps[len(stamps) // 2]
    after = sum(1 for s in stamps if s >= pivot)
    equal = sum(1 for s in stamps if s == pivot)
    url = f"{sf_sandbox.base_url}/services/data/v{sf_sandbox.version}/query"
    for literal in forms_of(pivot):
        soql = f"SELECT Id FROM Opportunity WHERE SystemModstamp >= {literal}"
        assert sf.query_all(soql)["totalSize"] == after, literal
        over_http = raw.get(url, params={"q": soql.replace(">=", "=")})
        assert over_http.status_code == 200, over_http.text
        assert over_http.json()["totalSize"] == equal, literal


def test_fraction_digits_beyond_milliseconds_are_dropped(
    sf: Any, sf_sandbox: SalesforceSandboxHandle
) -> None:
    stamps = [stamp_of(r) for r in live(sf_sandbox, "Opportunity")]
    pivot = sorted(stamps)[len(stamps) // 3]
    base = pivot.strftime("%Y-%m-%dT%H:%M:%S") + f".{pivot.microsecond // 1000:03d}"
    # Salesforce keeps milliseconds: .5499 is 549 ms, so the pivot still matches "=".
    got = sf.query(f"SELECT Id FROM Opportunity WHERE SystemModstamp = {base}9999Z")
    assert got["totalSize"] == stamps.count(pivot) >= 1


def test_an_unencoded_plus_in_the_url_is_refused_like_salesforce_does(
    raw: requests.Session, sf_sandbox: SalesforceSandboxHandle
) -> None:
    soql = "SELECT Id FROM Opportunity WHERE SystemModstamp > 2020-01-01T00:00:00.000+00:00"
    # A client that forgets to encode "+" sends a space: Salesforce's lexer stops there.
    url = f"{sf_sandbox.base_url}/services/data/v{sf_sandbox.version}/query?q=" + quote(
        soql, safe="+:"
    )
    response = raw.get(url)
    assert response.status_code == 400
    error = response.json()[0]
    assert error["errorCode"] == "MALFORMED_QUERY"
    assert "no viable alternative at character ' '" in error["message"]


def _week(d: date) -> date:
    return d - timedelta(days=(d.weekday() + 1) % 7)  # weeks start on Sunday (en_US)


def _month(d: date, shift: int = 0) -> date:
    n = d.year * 12 + d.month - 1 + shift
    return date(n // 12, n % 12 + 1, 1)


def _quarter(d: date, shift: int = 0) -> date:
    first = _month(d)
    return _month(first, -((first.month - 1) % 3) + 3 * shift)


def expected_ranges(t: date) -> dict[str, tuple[date, date]]:
    """Each literal's half-open day range on day ``t``, from Salesforce's documentation."""
    w, y = _week(t), date(t.year, 1, 1)
    return {
        "TODAY": (t, t + DAY),
        "YESTERDAY": (t - DAY, t),
        "TOMORROW": (t + DAY, t + 2 * DAY),
        "LAST_N_DAYS:3": (t - 3 * DAY, t + DAY),
        "NEXT_N_DAYS:3": (t + DAY, t + 4 * DAY),
        "N_DAYS_AGO:2": (t - 2 * DAY, t - DAY),
        "LAST_90_DAYS": (t - 90 * DAY, t + DAY),
        "NEXT_90_DAYS": (t + DAY, t + 91 * DAY),
        "THIS_WEEK": (w, w + 7 * DAY),
        "LAST_WEEK": (w - 7 * DAY, w),
        "NEXT_WEEK": (w + 7 * DAY, w + 14 * DAY),
        "LAST_N_WEEKS:2": (w - 14 * DAY, w),
        "N_WEEKS_AGO:1": (w - 7 * DAY, w),
        "THIS_MONTH": (_month(t), _month(t, 1)),
        "LAST_MONTH": (_month(t, -1), _month(t)),
        "NEXT_MONTH": (_month(t, 1), _month(t, 2)),
        "LAST_N_MONTHS:2": (_month(t, -2), _month(t)),
        "NEXT_N_MONTHS:2": (_month(t, 1), _month(t, 3)),
        "N_MONTHS_AGO:3": (_month(t, -3), _month(t, -2)),
        "THIS_QUARTER": (_quarter(t), _quarter(t, 1)),
        "LAST_QUARTER": (_quarter(t, -1), _quarter(t)),
        "NEXT_N_QUARTERS:2": (_quarter(t, 1), _quarter(t, 3)),
        "THIS_YEAR": (y, date(t.year + 1, 1, 1)),
        "LAST_YEAR": (date(t.year - 1, 1, 1), y),
        "NEXT_N_YEARS:1": (date(t.year + 1, 1, 1), date(t.year + 2, 1, 1)),
        "THIS_FISCAL_YEAR": (y, date(t.year + 1, 1, 1)),
        "LAST_FISCAL_QUARTER": (_quarter(t, -1), _quarter(t)),
    }


def on_one_day(check: Callable[[date], None]) -> None:
    """Run ``check(today)``; run it again if UTC midnight passed meanwhile."""
    for _ in range(2):
        today = utc_today()
        check(today)
        if utc_today() == today:
            return
    pytest.fail("the UTC day changed twice during the check")


def test_date_literals_cover_their_documented_days(sf: Any) -> None:
    tag = f"DL{datetime.now(UTC):%H%M%S%f}"
    days = sorted(
        {
            d
            for start, end in expected_ranges(utc_today()).values()
            for d in (start - DAY, start, end - DAY, end)
        }
    )
    records = [
        {
            "attributes": {"type": "Opportunity"},
            "Name": f"{tag} {d}",
            "StageName": "Prospecting",
            "CloseDate": d.isoformat(),
        }
        for d in days
    ]
    for i in range(0, len(records), 200):
        saved = sf.restful(
            "composite/sobjects",
            method="POST",
            json={"allOrNone": True, "records": records[i : i + 200]},
        )
        assert all(r["success"] for r in saved)

    def check(today: date) -> None:
        for literal, (start, end) in expected_ranges(today).items():
            # A range literal compares as: = inside, < before its start, > from its end on.
            for op, want in (
                ("=", [d for d in days if start <= d < end]),
                ("<", [d for d in days if d < start]),
                (">=", [d for d in days if d >= start]),
                (">", [d for d in days if d >= end]),
            ):
                got = sf.query_all(
                    f"SELECT CloseDate FROM Opportunity WHERE Name LIKE '{tag} %' "
                    f"AND CloseDate {op} {literal}"
                )["records"]
                assert sorted(date.fromisoformat(r["CloseDate"]) for r in got) == want, (
                    f"CloseDate {op} {literal}"
                )

    on_one_day(check)


def test_date_literals_on_datetime_fields_use_utc_day_boundaries(
    sf: Any, sf_sandbox: SalesforceSandboxHandle
) -> None:
    today = utc_today()
    midnight = datetime.combine(today, datetime.min.time(), UTC)
    stamps = [midnight - 3 * DAY, midnight - DAY - timedelta(milliseconds=1), midnight - DAY]
    stamps.append(midnight - timedelta(milliseconds=1))
    tag = f"DT{datetime.now(UTC):%H%M%S%f}"
    ids = []
    for n, at in enumerate(stamps):
        rec = sf.Account.create({"Name": f"{tag} {n}"})["id"]
        sf_sandbox.app.admin_api.set_stamp("Account", rec, at)
        ids.append(rec)

    def names(where: str) -> list[str]:
        soql = f"SELECT Id FROM Account WHERE Name LIKE '{tag} %' AND {where}"
        return sorted(r["Id"] for r in sf.query_all(soql)["records"])

    got = [
        names("SystemModstamp = YESTERDAY"),
        names("SystemModstamp = N_DAYS_AGO:3"),
        names("SystemModstamp < YESTERDAY"),
        names("SystemModstamp >= LAST_N_DAYS:1"),
    ]
    if utc_today() != today:
        pytest.skip(
            "UTC midnight passed while the test ran; the stamps were laid out for the day before"
        )
    assert got == [sorted(ids[2:4]), [ids[0]], sorted(ids[:2]), sorted(ids[2:])]
