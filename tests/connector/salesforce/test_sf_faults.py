"""Faults mid-stream, injected in the sandbox: timeouts, limits, expired sessions, 429s, bad bodies."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from connector.errors import AuthError, BudgetExhausted, FatalError, QueryTimeout, RetriableError
from connector.retry import RetryPolicy
from connector.salesforce.stream import MAX_SPLITS
from connector.source import Cursor, Page
from crm_sandbox.common.faults import Fault
from crm_sandbox.salesforce.errors import error_body
from crm_sandbox.salesforce.testing import SalesforceSandboxHandle
from tests.connector.salesforce.conftest import (
    OPP_FIELDS,
    RECORDS,
    FakeClock,
    SourceFactory,
    api_calls,
    records_of,
    stamp_of,
    store_rows,
)


def _ids(pages: list[Page]) -> list[str]:
    return [r.crm_id for r in records_of(pages)]


def _all_ids(sandbox: SalesforceSandboxHandle) -> list[str]:
    return [str(row["Id"]) for row in store_rows(sandbox, "Opportunity")]


def _queries(sandbox: SalesforceSandboxHandle) -> list[str]:
    return [r.query["q"][0] for r in sandbox.app.requests("queryAll")]


def test_query_timeout_splits_the_window_and_reads_both_halves(
    sandbox: SalesforceSandboxHandle, make_source: SourceFactory
) -> None:
    rows = store_rows(sandbox, "Opportunity")
    since = Cursor(stamp_of(rows[0]), str(rows[0]["Id"]))
    sandbox.app.admin_api.fail_query_timeout("queryAll", times=1)
    source = make_source()
    pages = list(source.changed("Opportunity", OPP_FIELDS, [], since))
    assert _ids(pages) == _all_ids(sandbox)  # each once, in (stamp, id) order
    _timed_out, first_half, second_half = _queries(sandbox)
    assert "SystemModstamp < " in first_half and "SystemModstamp >= " in second_half
    middle = first_half.split("SystemModstamp < ")[1].split(" ")[0]
    assert f"SystemModstamp >= {middle}" in second_half
    assert api_calls(sandbox)["queryAll"] == 3 and source.stream.splits == 1
    # Both halves held records.
    cut = datetime.fromisoformat(middle)
    stamps = [r.stamp for r in records_of(pages)]
    assert any(s < cut for s in stamps) and any(s >= cut for s in stamps)


def test_query_timeout_mid_stream_splits_only_what_is_left(
    sandbox: SalesforceSandboxHandle, make_source: SourceFactory
) -> None:
    sandbox.app.admin_api.fail_query_timeout("query.more", times=1)
    pages = list(make_source().changed("Opportunity", OPP_FIELDS, [], None))
    assert _ids(pages) == _all_ids(sandbox)
    first_page_last = pages[0].records[-1]
    # The halves resume after the last record of the first page, never before it.
    resumed = _queries(sandbox)[1]
    assert f"Id > '{first_page_last.crm_id}'" in resumed


def test_a_window_that_always_times_out_stops_after_bounded_splits(
    sandbox: SalesforceSandboxHandle, make_source: SourceFactory
) -> None:
    sandbox.app.admin_api.fail_query_timeout("queryAll", times=None)
    with pytest.raises(QueryTimeout, match=f"Opportunity .* after {MAX_SPLITS} splits"):
        list(make_source().changed("Opportunity", OPP_FIELDS, [], None))
    assert api_calls(sandbox)["queryAll"] == MAX_SPLITS + 1


def test_request_limit_mid_stream_stops_with_the_pages_read_so_far(
    sandbox: SalesforceSandboxHandle, make_source: SourceFactory
) -> None:
    sandbox.app.admin_api.fail_request_limit("query.more", times=1)
    source = make_source()
    applied: list[Page] = []
    with pytest.raises(BudgetExhausted, match="REQUEST_LIMIT_EXCEEDED") as caught:
        for page in source.changed("Opportunity", OPP_FIELDS, [], None):
            applied.append(page)
    assert caught.value.connection == "sf"
    assert len(applied) == 1 and api_calls(sandbox)["query.more"] == 1  # no retry
    # The next run resumes from the cursor the caller saved: nothing lost.
    cursor = applied[-1].cursor
    rest = list(make_source().changed("Opportunity", OPP_FIELDS, [], cursor))
    seen = set(_ids(applied)) | set(_ids(rest))
    assert seen == set(_all_ids(sandbox))


def test_a_spent_daily_limit_stops_cleanly_before_or_at_the_first_query(
    sandbox: SalesforceSandboxHandle, make_source: SourceFactory
) -> None:
    sandbox.app.admin_api.fail_request_limit("queryAll", times=1)
    with pytest.raises(BudgetExhausted, match="TotalRequests Limit exceeded"):
        list(make_source().changed("Opportunity", OPP_FIELDS, [], None))
    # Once a response has said the day is spent, no further call goes out at all.
    sandbox.app.admin_api.set_api_usage(1_000, maximum=1_000)
    sandbox.app.reset_log()
    with pytest.raises(BudgetExhausted, match="API budget spent: 1000 of 1000"):
        list(make_source(budget_share=1.0).changed("Opportunity", OPP_FIELDS, [], None))
    assert api_calls(sandbox) == {"oauth.token": 1}


def test_budget_guard_stops_before_spending_past_the_share(
    sandbox: SalesforceSandboxHandle, make_source: SourceFactory
) -> None:
    sandbox.app.admin_api.set_api_usage(78, maximum=100)  # share 0.8: 2 calls left
    source = make_source(budget_share=0.8)
    pages: list[Page] = []
    with pytest.raises(BudgetExhausted, match="API budget spent"):
        for page in source.changed("Opportunity", OPP_FIELDS, [], None):
            pages.append(page)
    assert len(pages) == 2
    assert (source.budget.used, source.budget.limit) == (80, 100)
    assert api_calls(sandbox) == {"oauth.token": 1, "queryAll": 1, "query.more": 1}


def test_session_expiry_mid_stream_logs_in_once_more_and_goes_on(
    sandbox: SalesforceSandboxHandle, make_source: SourceFactory
) -> None:
    source = make_source()
    stream = source.changed("Opportunity", OPP_FIELDS, [], None)
    first = next(stream)
    sandbox.app.admin_api.expire_sessions()
    pages = [first, *stream]
    assert _ids(pages) == _all_ids(sandbox)
    assert api_calls(sandbox)["oauth.token"] == 2
    assert source.client.logins == 2


def test_session_rejected_again_after_a_fresh_login_is_fatal(
    sandbox: SalesforceSandboxHandle, make_source: SourceFactory
) -> None:
    sandbox.app.admin_api.fail_session("query.more", times=None)
    source = make_source()
    with pytest.raises(
        AuthError, match="fresh session on the queryAll page on Opportunity"
    ) as caught:
        list(source.changed("Opportunity", OPP_FIELDS, [], None))
    assert api_calls(sandbox)["oauth.token"] == 2 and api_calls(sandbox)["query.more"] == 2
    token = sandbox.app.requests("oauth.token")[-1].body
    assert sandbox.consumer_secret in token  # what was sent ...
    assert sandbox.consumer_secret not in str(caught.value)  # ... never what is said


def _storm(sandbox: SalesforceSandboxHandle, times: int, retry_after: str | None) -> None:
    headers = {"Retry-After": retry_after} if retry_after else {}
    body = error_body("REQUEST_LIMIT", "Too many requests")
    sandbox.app.add_fault(Fault("query.more", "status", 429, body, headers, times=times))


def test_429_storm_honours_retry_after(
    sandbox: SalesforceSandboxHandle, make_source: SourceFactory, clock: FakeClock
) -> None:
    _storm(sandbox, 4, "7")
    source = make_source()
    pages = list(source.changed("Opportunity", OPP_FIELDS, [], None))
    assert _ids(pages) == _all_ids(sandbox)
    assert source.client.retries == 4
    assert len(clock.sleeps) == 4 and all(s >= 7 for s in clock.sleeps)
    assert api_calls(sandbox)["query.more"] == 2 + 4


def test_429_storm_without_retry_after_backs_off_and_gives_up_when_it_lasts(
    sandbox: SalesforceSandboxHandle, make_source: SourceFactory, clock: FakeClock
) -> None:
    _storm(sandbox, 3, None)
    pages = list(make_source().changed("Opportunity", OPP_FIELDS, [], None))
    assert _ids(pages) == _all_ids(sandbox)
    assert len(clock.sleeps) == 3 and clock.sleeps[-1] > clock.sleeps[0] / 2
    _storm(sandbox, 50, None)
    with pytest.raises(RetriableError, match="HTTP 429"):
        list(make_source().changed("Opportunity", OPP_FIELDS, [], None))


@pytest.mark.parametrize("kind", ["truncate", "malformed", "reset"])
def test_cut_or_garbled_json_is_asked_again(
    sandbox: SalesforceSandboxHandle, make_source: SourceFactory, clock: FakeClock, kind: str
) -> None:
    sandbox.app.add_fault(Fault("query.more", kind, times=2))  # type: ignore[arg-type]
    pages = list(make_source().changed("Opportunity", OPP_FIELDS, [], None))
    assert _ids(pages) == _all_ids(sandbox)
    assert api_calls(sandbox)["query.more"] == 2 + 2 and len(clock.sleeps) == 2


def test_server_errors_are_retried_and_validation_errors_are_not(
    sandbox: SalesforceSandboxHandle, make_source: SourceFactory, clock: FakeClock
) -> None:
    sandbox.app.add_fault(Fault("queryAll", "status", 503, b"<html>busy</html>", times=2))
    assert len(_ids(list(make_source().changed("Opportunity", OPP_FIELDS, [], None)))) == RECORDS
    sandbox.app.reset_log()
    with pytest.raises(FatalError, match=r"Opportunity.*INVALID_FIELD.*Nope__c") as caught:
        list(make_source().changed("Opportunity", ["Name", "Nope__c"], [], None))
    assert "mapping file" in str(caught.value)
    assert api_calls(sandbox)["queryAll"] == 1


def test_an_expired_query_locator_is_read_again_from_the_last_record(
    sandbox: SalesforceSandboxHandle, make_source: SourceFactory
) -> None:
    body = error_body("INVALID_QUERY_LOCATOR", "invalid query locator")
    sandbox.app.add_fault(Fault("query.more", "status", 400, body, times=1, skip=1))
    pages = list(make_source().changed("Opportunity", OPP_FIELDS, [], None))
    assert _ids(pages) == _all_ids(sandbox)
    second = pages[1].records[-1]
    assert f"Id > '{second.crm_id}'" in _queries(sandbox)[1]


def test_retry_deadline_bounds_a_long_retry_after(
    sandbox: SalesforceSandboxHandle, make_source: SourceFactory, clock: FakeClock
) -> None:
    _storm(sandbox, 5, str(int(timedelta(minutes=10).total_seconds())))
    policy = RetryPolicy(deadline=60, sleep=clock.sleep, clock=clock)
    with pytest.raises(RetriableError):
        list(make_source(retry=policy).changed("Opportunity", OPP_FIELDS, [], None))
    assert clock.sleeps == []  # waiting 600 s would pass the deadline: give up at once
