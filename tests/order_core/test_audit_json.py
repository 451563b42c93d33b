"""Audit and outbox JSON: exact Decimals, ISO times, sorted keys, and the values orjson refuses
(integers beyond 64 bits, lone surrogates) written all the same."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

from sqlmodel import Session, select

from order_core.actors import Actor
from order_core.audit import AuditEntry, json_text, record_audits


def test_json_text_is_sorted_exact_and_iso() -> None:
    text = json_text(
        {
            "b": Decimal("1.50"),
            "a": datetime(2026, 1, 2, 3, 4, 5, 6, tzinfo=timezone(timedelta(hours=2))),
            "c": date(2026, 1, 2),
            "d": {3, 1},
            "e": ("x", None, True),
            7: "an int key",
        }
    )
    value = json.loads(text)
    assert list(value) == ["7", "a", "b", "c", "d", "e"]
    assert sorted(value.pop("d")) == [1, 3]  # a set, in no particular order
    assert value == {
        "7": "an int key",
        "a": "2026-01-02T03:04:05.000006+02:00",
        "b": "1.50",
        "c": "2026-01-02",
        "e": ["x", None, True],
    }


def test_what_orjson_refuses_is_written_all_the_same() -> None:
    huge = 2**70
    assert json.loads(json_text({"n": huge, "m": -huge})) == {"m": -huge, "n": huge}
    lone = "half a pair: \ud800"
    assert json.loads(json_text({"s": lone})) == {"s": lone}


def test_audit_changes_keep_decimals_exact_with_two_places(session: Session) -> None:
    record_audits(
        session,
        Actor.vendor("ops"),
        [
            ("update", "deal", 1, {"amount": [Decimal("10"), Decimal("12.5000")]}, None),
            ("update", "deal", 2, {"quantity": [1, 2**70]}, None),
        ],
    )
    session.commit()
    entries = session.exec(select(AuditEntry).order_by(AuditEntry.entity_id)).all()
    assert [json.loads(e.changes) for e in entries] == [
        {"amount": ["10.00", "12.50"]},
        {"quantity": [1, 2**70]},
    ]
    assert all(e.at.tzinfo is UTC for e in entries)
