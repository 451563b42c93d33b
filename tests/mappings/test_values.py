"""Value conversions on hostile CRM values: every failure is a reason (BadValue), never a crash."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mappings import RawRecord, Rejected, load_mapping, shipped
from mappings.coercers import coerce
from mappings.targets import TARGETS
from mappings.values import BadValue, host_of, to_date, to_datetime

HS = load_mapping(shipped("hubspot"))
NOW = datetime(2026, 12, 1, tzinfo=UTC)


@pytest.mark.parametrize("url", ["http://[broken", "https://[::1", "//[x"])
def test_an_unreadable_url_is_a_reason(url: str) -> None:
    with pytest.raises(BadValue, match="is not a URL, an e-mail address or a host name"):
        host_of(url)


@pytest.mark.parametrize(
    ("raw", "why"),
    [
        ("-99999999999999", "out of the range of dates"),
        ("0001-01-01T00:00:00+14:00", "out of the range of dates in UTC"),
        ("9999-12-31T23:59:59-05:00", "out of the range of dates in UTC"),
    ],
)
def test_times_outside_the_calendar_are_reasons(raw: str, why: str) -> None:
    with pytest.raises(BadValue, match=why):
        to_datetime(raw)
    with pytest.raises(BadValue, match=why):
        to_date(raw)


def test_text_with_a_lone_surrogate_is_a_reason() -> None:
    with pytest.raises(BadValue, match="not valid Unicode"):
        coerce("half \udc00 a pair", TARGETS["deal"]["name"])
    assert coerce("Zoë ✓ 東京", TARGETS["deal"]["name"]) == "Zoë ✓ 東京"


def test_more_decimal_places_than_the_core_keeps_are_refused_not_rounded() -> None:
    amount = TARGETS["deal"]["amount"]
    assert coerce("0.12345678", amount) == Decimal("0.12345678")
    assert coerce("12.50000000000", amount) == Decimal("12.50000000000")  # zeros lose nothing
    with pytest.raises(BadValue, match="has 9 decimal places; the core keeps 8"):
        coerce("0.123456789", amount)


def test_a_whole_hubspot_deal_with_such_values_is_rejected_with_every_reason() -> None:
    deal = RawRecord(
        "1",
        NOW,
        {
            "dealname": "lone \udc00",
            "amount": "0.000000001",
            "closedate": "9999-12-31T23:59:59-05:00",
        },
    )
    (got,) = HS.apply("deals", [deal])
    assert isinstance(got, Rejected)
    assert "dealname" in got.reason and "amount" in got.reason and "closedate" in got.reason


class _Unreadable:
    """A value whose text cannot be had (no CRM client sends one; it stands for the unforeseen)."""

    def __str__(self) -> str:
        raise ValueError("no text here")


def test_a_value_no_check_foresaw_is_still_a_reason() -> None:
    (got,) = HS.apply("deals", [RawRecord("1", NOW, {"dealname": _Unreadable()})])
    assert isinstance(got, Rejected)
    assert got.reason == "dealname cannot be read for name: 'no text here'"


_HOSTILE = st.one_of(
    st.text(max_size=80),
    st.sampled_from(
        [
            "http://[broken",
            "lone \udc00",
            "-99999999999999",
            "9999-12-31T23:59:59-05:00",
            "0.123456789",
            "1e400",
            "</script>",
        ]
    ),
)


@settings(max_examples=200, deadline=None)
@given(
    obj=st.sampled_from(HS.objects),
    fields=st.dictionaries(
        st.sampled_from(sorted({f for o in HS.objects for f in HS.crm_fields(o)})), _HOSTILE
    ),
)
def test_any_hubspot_text_maps_or_gets_a_reason(obj: str, fields: dict[str, object]) -> None:
    for result in HS.apply(obj, [RawRecord("X", NOW, fields)]):
        if isinstance(result, Rejected):
            assert result.reason and "\n" not in result.reason
        else:
            assert result.digest
