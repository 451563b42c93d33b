"""The pure parts: SOQL escaping and names, windows and their halves, value decoding, error mapping."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from simple_salesforce.exceptions import (
    SalesforceExpiredSession,
    SalesforceGeneralError,
    SalesforceMalformedRequest,
    SalesforceRefusedRequest,
)

from connector.errors import BudgetExhausted, FatalError, QueryTimeout, RetriableError
from connector.salesforce.decode import CsvReader, JsonReader, canonical
from connector.salesforce.faults import LocatorExpired, SessionExpired, translate
from connector.salesforce.soql import (
    UnsafeName,
    datetime_literal,
    in_list,
    is_record_id,
    name,
    quote,
    select,
    select_list,
)
from connector.salesforce.windows import EPOCH, Window
from connector.source import Cursor
from crm_sandbox.salesforce.soql_parser import parse_soql

T0 = datetime(2026, 3, 1, 12, 0, 0, 123000, tzinfo=UTC)


@pytest.mark.parametrize(
    "value",
    [
        "plain",
        "O'Brien",
        "x' OR Name != '",
        "back\\slash\\' OR 1=1 --",
        'double "quotes"',
        "new\nline\r\ttab\b\f",
        "Zürich 東京 ✓",
        "100% _under_",
        "'",
        "\\",
        "",
    ],
)
def test_quoted_values_parse_back_to_themselves(value: str) -> None:
    query = parse_soql(select("Account", ["Id"], f"Name = {quote(value)}"))
    assert query.where is not None
    assert query.where.value == value  # type: ignore[union-attr]


def test_quote_escapes_every_special_character() -> None:
    assert quote("a'b\\c\"d\ne\rf\tg\bh\fi") == "'a\\'b\\\\c\\\"d\\ne\\rf\\tg\\bh\\fi'"
    assert in_list(["a", "b'c"]) == "('a', 'b\\'c')"


@pytest.mark.parametrize(
    "bad", ["Name FROM Account", "Name,Id", "Name--", "1Name", "", "Name'", "a.b.c.d.e.f.g"]
)
def test_names_that_are_not_api_names_are_refused(bad: str) -> None:
    with pytest.raises(UnsafeName):
        name(bad)


def test_names_and_select_lists() -> None:
    assert name("Partner_Tier__c") == "Partner_Tier__c"
    assert name("Account.Owner.Name") == "Account.Owner.Name"
    assert select_list(["Name", "id", "Amount", "name"], first=("Id", "IsDeleted")) == [
        "Id",
        "IsDeleted",
        "Name",
        "Amount",
    ]
    assert (
        select("Opportunity", ["Id", "Name"], "Id != null", ("SystemModstamp", "Id"))
        == "SELECT Id, Name FROM Opportunity WHERE Id != null ORDER BY SystemModstamp, Id"
    )
    with pytest.raises(UnsafeName):
        select("Opportunity WHERE", ["Id"], "Id != null")


def test_record_ids_and_datetime_literals() -> None:
    assert is_record_id("0065g000000c30HAAQ") and is_record_id("0065g000000c30H")
    assert not is_record_id("0065g000000c30HAA") and not is_record_id("006x' OR Name != '")
    assert datetime_literal(T0) == "2026-03-01T12:00:00.123Z"
    later = datetime(2026, 3, 1, 15, 0, 0, 123999, tzinfo=timezone(timedelta(hours=2)))
    assert datetime_literal(later) == "2026-03-01T13:00:00.123Z"
    with pytest.raises(ValueError, match="time zone"):
        datetime_literal(datetime(2026, 1, 1))


def test_window_conditions_and_halves() -> None:
    hi = T0 + timedelta(hours=2)
    assert Window(None, hi).where() == "SystemModstamp < 2026-03-01T14:00:00.123Z"
    assert Window(T0, hi).where() == (
        "SystemModstamp >= 2026-03-01T12:00:00.123Z AND SystemModstamp < 2026-03-01T14:00:00.123Z"
    )
    resumed = Window(T0, hi).resumed(Cursor(T0 + timedelta(minutes=5), "006x'y"))
    assert resumed.where() == (
        "(SystemModstamp > 2026-03-01T12:05:00.123Z OR (SystemModstamp = "
        "2026-03-01T12:05:00.123Z AND Id > '006x\\'y')) AND SystemModstamp < 2026-03-01T14:00:00.123Z"
    )
    first, second = Window(T0, hi).halves() or pytest.fail("no halves")
    assert (first.lo, first.hi, second.lo, second.hi) == (T0, T0 + timedelta(hours=1), first.hi, hi)
    # After a position the first half keeps it; the second starts at the middle.
    first, second = resumed.halves() or pytest.fail("no halves")
    assert first.after == resumed.after and second.after is None
    assert first.hi == second.lo == T0 + timedelta(minutes=5 + 57, seconds=30)
    # A full read splits from the epoch; a window of one millisecond cannot split.
    assert (Window(None, hi).halves() or pytest.fail("no halves"))[0].hi > EPOCH
    assert Window(T0, T0 + timedelta(milliseconds=1)).halves() is None


def test_numbers_are_canonical_and_exact() -> None:
    cases = {
        "1250.00": "1250",
        "1250.0": "1250",
        "1250.50": "1250.5",
        "0.000": "0",
        "-0.0": "0",
        "1E+3": "1000",
        "0.1": "0.1",
        "123456789012345678901234567890.10": "123456789012345678901234567890.1",
    }
    for raw, want in cases.items():
        assert str(canonical(Decimal(raw))) == want


def test_json_and_csv_records_read_the_same() -> None:
    fields = [
        "Name",
        "Amount",
        "Probability",
        "IsWon",
        "CloseDate",
        "LastModifiedDate",
        "Account.Name",
    ]
    json_rec = {
        "attributes": {"type": "Opportunity"},
        "Id": "0065g000000c30HAAQ",
        "SystemModstamp": "2026-03-01T12:00:00.123+0000",
        "IsDeleted": False,
        "Name": 'Deal, "one"\nline',
        "Amount": Decimal("1250.0"),
        "Probability": None,
        "IsWon": True,
        "CloseDate": "2026-04-01",
        "LastModifiedDate": "2026-03-01T12:00:00.123+0000",
        "Account": {"attributes": {}, "Name": "Acme"},
    }
    header = ["Id", "SystemModstamp", "IsDeleted", *fields]
    row = [
        "0065g000000c30HAAQ",
        "2026-03-01T12:00:00.123Z",
        "false",
        'Deal, "one"\nline',
        "1250.00",
        "",
        "true",
        "2026-04-01",
        "2026-03-01T12:00:00.123Z",
        "Acme",
    ]
    types = {
        "amount": "currency",
        "probability": "percent",
        "iswon": "boolean",
        "closedate": "date",
        "lastmodifieddate": "datetime",
        "account.name": "string",
    }
    from_json = JsonReader(fields).record(json_rec)
    from_csv = CsvReader(header, fields, types).record(row)
    assert from_json == from_csv
    assert from_json.stamp == T0 and from_json.stamp.tzinfo is UTC
    assert from_json.fields["Account.Name"] == "Acme"
    null_parent = JsonReader(["Account.Name"]).record({**json_rec, "Account": None})
    assert null_parent.fields == {"Account.Name": None}


def _sf(
    cls: type, status: int, code: str, message: str = "m", fields: list[str] | None = None
) -> Exception:
    content = [{"errorCode": code, "message": message, "fields": fields or []}]
    return cls("https://x/services/data/v62.0/query", status, "query", content)  # type: ignore[no-any-return]


def test_salesforce_errors_map_to_connector_errors() -> None:
    what = "queryAll on Opportunity"
    assert isinstance(
        translate(_sf(SalesforceExpiredSession, 401, "INVALID_SESSION_ID"), "c", what),
        SessionExpired,
    )
    assert isinstance(
        translate(_sf(SalesforceMalformedRequest, 400, "QUERY_TIMEOUT"), "c", what), QueryTimeout
    )
    assert isinstance(
        translate(_sf(SalesforceMalformedRequest, 400, "INVALID_QUERY_LOCATOR"), "c", what),
        LocatorExpired,
    )
    spent = _sf(
        SalesforceRefusedRequest, 403, "REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded."
    )
    assert isinstance(translate(spent, "c", what), BudgetExhausted)
    busy = _sf(
        SalesforceRefusedRequest,
        403,
        "REQUEST_LIMIT_EXCEEDED",
        "ConcurrentPerOrgLongTxn Limit exceeded.",
    )
    assert isinstance(translate(busy, "c", what), RetriableError)
    throttled = translate(_sf(SalesforceGeneralError, 429, "X"), "c", what, {"Retry-After": "12"})
    assert isinstance(throttled, RetriableError) and throttled.retry_after == 12.0
    bad = translate(
        _sf(
            SalesforceMalformedRequest,
            400,
            "INVALID_FIELD",
            "No such column 'Nope__c'",
            ["Nope__c"],
        ),
        "c",
        what,
    )
    assert isinstance(bad, FatalError)
    assert str(bad) == (
        "c: Salesforce refused the queryAll on Opportunity (field Nope__c): HTTP 400 INVALID_FIELD: "
        "No such column 'Nope__c'; check the object and field names in the mapping file"
    )
    assert isinstance(translate(ValueError("Expecting value"), "c", what), RetriableError)
    assert translate(KeyError("a bug"), "c", what) is None
