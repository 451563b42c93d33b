"""HubSpot JSON to RawRecord: stamps as exact UTC milliseconds, values as text."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from connector.hubspot.records import (
    BadRecord,
    archived_record,
    as_text,
    from_ms,
    parse_stamp,
    raw_record,
    stamp_property,
    to_ms,
)


def test_stamps_parse_to_utc_from_iso_and_epoch_milliseconds() -> None:
    when = datetime(2024, 5, 1, 12, 30, 0, 123000, tzinfo=UTC)
    assert parse_stamp("2024-05-01T12:30:00.123Z") == when
    assert parse_stamp("2024-05-01T14:30:00.123+02:00") == when
    assert parse_stamp("2024-05-01T12:30:00.123") == when  # no zone: HubSpot means UTC
    assert parse_stamp(str(to_ms(when))) == when
    assert parse_stamp("2024-05-01T14:30:00.123+02:00").tzinfo is UTC
    with pytest.raises(BadRecord):
        parse_stamp("yesterday")
    with pytest.raises(BadRecord):
        parse_stamp(None)


def test_milliseconds_are_exact_where_floats_round() -> None:
    for ms in (1_714_566_600_123, 1_714_566_600_999, 253_402_300_799_999):
        assert to_ms(from_ms(ms)) == ms
    assert to_ms(datetime(2024, 5, 1, 14, 0, tzinfo=timezone(timedelta(hours=2)))) % 1000 == 0


def test_values_are_text() -> None:
    assert [as_text(v) for v in ("a", None, True, False, 3, 2.5)] == [
        "a",
        None,
        "true",
        "false",
        "3",
        "2.5",
    ]


def test_records_from_results() -> None:
    result = {
        "id": "42",
        "properties": {
            "dealname": "X",
            "amount": None,
            "hs_lastmodifieddate": "2024-05-01T00:00:00Z",
        },
        "updatedAt": "2024-05-02T00:00:00Z",
        "archivedAt": "2024-06-01T08:00:00.500Z",
    }
    live = raw_record("deals", result, {"companies": [("7", frozenset({"Primary"}))]})
    assert live.crm_id == "42" and live.stamp == datetime(2024, 5, 1, tzinfo=UTC)
    assert live.fields["amount"] is None and not live.deleted
    gone = archived_record("deals", result)
    assert gone.deleted and gone.stamp == live.stamp  # archivedAt is no version stamp
    assert stamp_property("contacts") == "lastmodifieddate"
    assert stamp_property("line_items") == "hs_lastmodifieddate"
    with pytest.raises(BadRecord, match="deals 9: the modification stamp"):
        raw_record("deals", {"id": "9", "properties": {}})


class _Text(str):
    """A str subclass: taken as text like any other."""


def test_record_values_other_than_text_are_rendered_as_hubspot_would() -> None:
    props = {"a": "x", "b": None, "c": True, "d": 3, "e": 2.5, "f": _Text("y"), "g": ""}
    result = {"id": "1", "properties": {**props, "hs_lastmodifieddate": "1714566600123"}}
    for record in (raw_record("deals", result), archived_record("deals", result)):
        assert record.fields == {
            "a": "x",
            "b": None,
            "c": "true",
            "d": "3",
            "e": "2.5",
            "f": "y",
            "g": "",
            "hs_lastmodifieddate": "1714566600123",
        }
        assert record.stamp == from_ms(1_714_566_600_123)
