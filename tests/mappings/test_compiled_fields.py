"""Field rules compiled once per mapping: every target kind with missing, blank, default, required,
transform and value-map rules gives the value or the reason, word for word, that the rules say."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest

from mappings import MappedRecord, Mapping, RawRecord, Rejected
from mappings.spec import MappingFile

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def _mapped(target: str, name: str, rule: Any, fields: dict[str, object]) -> object:
    """The core value of field ``name`` (or the reason) for one record under a one-field route."""
    spec = MappingFile.model_validate(
        {
            "version": 1,
            "crm": "salesforce",
            "objects": {"X": {"routes": [{"target": target, "fields": {name: rule}}]}},
        }
    )
    [result] = Mapping(spec, "test.yaml").apply("X", [RawRecord("001", NOW, fields)])
    if isinstance(result, Rejected):
        return ("reason", result.reason)
    assert isinstance(result, MappedRecord)
    return result.refs[name] if name in result.refs else result.values[name]


def _reason(text: str) -> tuple[str, str]:
    return ("reason", text)


CASES: list[tuple[str, str, Any, object, object]] = [
    # str (required, at most 255): kept as sent, blank is missing, NUL / surrogate / length refused
    ("deal", "name", "F", "Big", "Big"),
    ("deal", "name", "F", "  Big  ", "  Big  "),
    ("deal", "name", "F", None, _reason("F is empty and name requires a value")),
    ("deal", "name", "F", "   ", _reason("F is empty and name requires a value")),
    ("deal", "name", "F", "\u00a0\u2003\x1c", _reason("F is empty and name requires a value")),
    ("deal", "name", "F", "a\x00b", _reason("F 'a\\x00b' contains a NUL character (for name)")),
    (
        "deal",
        "name",
        "F",
        "x\ud800",
        _reason("F 'x\\ud800' is not valid Unicode (an unpaired surrogate) (for name)"),
    ),
    (
        "deal",
        "name",
        "F",
        "é" * 256,
        _reason("F is 256 characters long; the core keeps at most 255 (for name)"),
    ),
    ("deal", "name", "F", "Zoë ✓ 東京", "Zoë ✓ 東京"),
    ("deal", "name", "F", Decimal("1.50"), "1.50"),
    ("deal", "name", "F", True, "true"),
    ("deal", "name", "F", 1.5, "1.5"),
    ("deal", "name", {"from": "F", "transform": "strip"}, "  x  ", "x"),
    (
        "deal",
        "name",
        {"from": "F", "transform": "lower"},
        " \t ",
        _reason("F is empty and name requires a value"),
    ),
    ("deal", "name", {"from": ["A", "B"]}, None, _reason("A+B is empty and name requires a value")),
    # str, not required: missing is None, or the default
    ("deal", "stage", "F", None, None),
    ("deal", "stage", "F", "", None),
    ("deal", "stage", {"from": "F", "default": "Open"}, None, "Open"),
    ("deal", "stage", {"from": "F", "default": "Open"}, " ", "Open"),
    ("deal", "stage", {"from": "F", "default": "Open"}, "Won", "Won"),
    ("deal", "stage", {"from": "F", "default": " "}, None, None),
    (
        "deal",
        "stage",
        {"from": "F", "required": True},
        None,
        _reason("F is empty and stage requires a value"),
    ),
    # str with choices, value maps
    ("deal", "kind", "F", "opportunity", "opportunity"),
    (
        "deal",
        "kind",
        "F",
        "other",
        _reason(
            "F 'other' is not one of ['opportunity', 'registration']; add a value map (for kind)"
        ),
    ),
    ("deal", "kind", {"from": "F", "map": {"true": "registration"}}, True, "registration"),
    (
        "deal",
        "kind",
        {"from": "F", "map": {"true": "registration"}},
        "x",
        _reason("F 'x' is not in the value map of kind (known: ['true']); add it to the mapping"),
    ),
    (
        "deal",
        "kind",
        {"from": "F", "map": {"true": "registration", "*": "opportunity"}},
        "x",
        "opportunity",
    ),
    (
        "deal",
        "kind",
        {"from": "F", "map": {"a": None}, "default": "opportunity"},
        "a",
        "opportunity",
    ),
    (
        "deal",
        "kind",
        {"from": "F", "map": {"a": "b"}},
        "a",
        _reason("F 'b' is not one of ['opportunity', 'registration']; add a value map (for kind)"),
    ),
    ("deal", "kind", {"from": "F", "map": {"a": "b"}}, "  ", None),
    # decimal (8 places kept)
    ("deal", "amount", "F", "12.50", Decimal("12.50")),
    ("deal", "amount", "F", " 12.50 ", Decimal("12.50")),
    ("deal", "amount", "F", Decimal("12500.5"), Decimal("12500.5")),
    ("deal", "amount", "F", "12.50000000000", Decimal("12.50000000000")),
    ("deal", "amount", "F", Decimal("0E-8"), Decimal("0E-8")),
    ("deal", "amount", "F", Decimal("1.2345678901E+3"), Decimal("1234.5678901")),
    ("deal", "amount", "F", "1E-8", Decimal("1E-8")),
    ("deal", "amount", "F", "1.000000000000E+2", Decimal("100")),
    (
        "deal",
        "amount",
        "F",
        "1.23456789E-7",
        _reason(
            "F '1.23456789E-7' has 15 decimal places; the core keeps 8 "
            "(round it in the CRM) (for amount)"
        ),
    ),
    (
        "deal",
        "amount",
        "F",
        Decimal("0E-20"),
        _reason("F Decimal('0E-20') is out of range (for amount)"),
    ),
    ("deal", "amount", "F", 3, Decimal(3)),
    (
        "deal",
        "amount",
        "F",
        Decimal("1.123456789"),
        _reason(
            "F Decimal('1.123456789') has 9 decimal places; the core keeps 8 "
            "(round it in the CRM) (for amount)"
        ),
    ),
    ("deal", "amount", "F", "abc", _reason("F 'abc' is not a number (for amount)")),
    ("deal", "amount", "F", True, _reason("F True is not a number (for amount)")),
    ("deal", "amount", "F", "NaN", _reason("F 'NaN' is not a finite number (for amount)")),
    (
        "deal",
        "amount",
        "F",
        Decimal("NaN"),
        _reason("F Decimal('NaN') is not a finite number (for amount)"),
    ),
    ("deal", "amount", "F", "1e20", _reason("F '1e20' is out of range (for amount)")),
    (
        "deal",
        "amount",
        "F",
        Decimal("1E+20"),
        _reason("F Decimal('1E+20') is out of range (for amount)"),
    ),
    ("deal_line", "quantity", "F", "", _reason("F is empty and quantity requires a value")),
    # int
    ("deal_line", "position", "F", "3.0", 3),
    ("deal_line", "position", "F", Decimal("4"), 4),
    ("deal_line", "position", "F", "3.5", _reason("F '3.5' is not a whole number (for position)")),
    ("deal_line", "position", "F", "x", _reason("F 'x' is not a number (for position)")),
    # currency and country codes
    ("deal", "currency", "F", "usd", "USD"),
    ("deal", "currency", "F", " eur ", "EUR"),
    ("deal", "currency", {"const": "USD"}, None, "USD"),
    (
        "deal",
        "currency",
        "F",
        "US",
        _reason("F 'US' is not an ISO 4217 code like USD; add a value map (for currency)"),
    ),
    ("partner", "country", "F", "us", "US"),
    (
        "partner",
        "country",
        "F",
        "USA",
        _reason("F 'USA' is not an ISO 3166 country code like US; add a value map (for country)"),
    ),
    # date
    ("deal", "close_date", "F", "2027-01-31", date(2027, 1, 31)),
    ("deal", "close_date", "F", "2027-01-31T23:30:00-05:00", date(2027, 2, 1)),
    ("deal", "close_date", "F", "1700000000000", date(2023, 11, 14)),
    (
        "deal",
        "close_date",
        "F",
        "2027-13-01",
        _reason("F '2027-13-01' is not a date (YYYY-MM-DD) (for close_date)"),
    ),
    (
        "deal",
        "close_date",
        "F",
        "2027-01-31T10:00:00",
        _reason("F '2027-01-31T10:00:00' has no time zone (for close_date)"),
    ),
    (
        "deal",
        "close_date",
        {"from": "F", "transform": "date"},
        "2027-01-31T10:00:00Z",
        date(2027, 1, 31),
    ),
    (
        "deal",
        "close_date",
        {"from": "F", "transform": "date"},
        "soon",
        _reason("F 'soon' is not an ISO 8601 time"),
    ),
    # bool
    ("deal", "quote_requested", "F", "TRUE", True),
    ("deal", "quote_requested", "F", "0", False),
    ("deal", "quote_requested", "F", False, False),
    ("deal", "quote_requested", {"from": "F", "default": False}, None, False),
    ("deal", "quote_requested", {"from": "F", "default": False}, "", False),
    (
        "deal",
        "quote_requested",
        "F",
        "yes",
        _reason("F 'yes' is not true or false (for quote_requested)"),
    ),
    (
        "deal",
        "quote_requested",
        {"from": "F", "default": "maybe"},
        None,
        _reason("F 'maybe' is not true or false (for quote_requested)"),
    ),
    # references (by CRM id, as text)
    ("deal", "partner", "F", "001A", "001A"),
    ("deal", "partner", "F", None, None),
    ("deal", "partner", "F", 5, "5"),
    ("buyer", "partner", "F", " ", _reason("F is empty and partner requires a value")),
    # transforms
    (
        "end_customer",
        "domain",
        {"from": "F", "transform": "domain"},
        "https://www.Example.com/x",
        "example.com",
    ),
    (
        "end_customer",
        "domain",
        {"from": "F", "transform": "domain"},
        "Sales@Example.org",
        "example.org",
    ),
    (
        "end_customer",
        "domain",
        {"from": "F", "transform": "domain"},
        "http://[broken",
        _reason("F 'http://[broken' is not a URL, an e-mail address or a host name"),
    ),
    ("end_customer", "email", {"from": "F", "transform": "email"}, " A@B.COM ", "a@b.com"),
    ("end_customer", "email", {"from": "F", "transform": "upper"}, " a@b.com ", "A@B.COM"),
]


@pytest.mark.parametrize(("target", "name", "rule", "raw", "expected"), CASES)
def test_each_kind_and_rule_gives_its_value_or_reason(
    target: str, name: str, rule: Any, raw: object, expected: object
) -> None:
    got = _mapped(target, name, rule, {"F": raw})
    assert got == expected
    assert type(got) is type(expected)


def test_a_joined_name_skips_blank_parts() -> None:
    rule = {"from": ["A", "B", "C"]}
    assert _mapped("deal", "name", rule, {"A": " Ada ", "B": "", "C": "Lovelace"}) == "Ada Lovelace"


def test_a_bad_default_is_the_same_reason_on_every_record() -> None:
    rule = {"from": "F", "default": "maybe"}
    first = _mapped("deal", "quote_requested", rule, {})
    assert first == _mapped("deal", "quote_requested", rule, {"F": ""})
    assert first == _reason("F 'maybe' is not true or false (for quote_requested)")


def test_reasons_of_several_fields_come_in_the_order_of_the_rules() -> None:
    spec = MappingFile.model_validate(
        {
            "version": 1,
            "crm": "salesforce",
            "objects": {
                "X": {
                    "routes": [
                        {
                            "target": "deal",
                            "fields": {"amount": "A", "name": "N", "close_date": "D"},
                        }
                    ]
                }
            },
        }
    )
    record = RawRecord("001", NOW, {"A": "lots", "D": "later"})
    [rejected] = Mapping(spec, "t.yaml").apply("X", [record])
    assert isinstance(rejected, Rejected)
    assert rejected.reason == (
        "A 'lots' is not a number (for amount); N is empty and name requires a value; "
        "D 'later' is not an ISO 8601 time (for close_date)"
    )
