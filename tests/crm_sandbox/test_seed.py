"""The shared seed world: non-ASCII names and awkward descriptions everywhere, deterministic, past."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from crm_sandbox.common.seed import SeedWorld, generate

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def _named(world: SeedWorld) -> dict[str, list[tuple[str, str]]]:
    """(name, description) of every record, by object type."""
    return {
        "companies": [(c.name, c.description) for c in world.companies],
        "contacts": [(f"{k.first_name} {k.last_name}", k.description) for k in world.contacts],
        "products": [(p.name, p.description) for p in world.products],
        "deals": [(d.name, d.description) for d in world.deals],
        "line items": [(ln.sku, ln.description) for d in world.deals for ln in d.lines],
    }


def _accented(text: str) -> bool:
    return any(0xC0 <= ord(ch) <= 0x24F for ch in text)


def _cjk(text: str) -> bool:
    return any(0x3040 <= ord(ch) <= 0x9FFF or 0xAC00 <= ord(ch) <= 0xD7AF for ch in text)


def _astral(text: str) -> bool:
    """Outside the Basic Multilingual Plane: a surrogate pair in UTF-16 and in JSON escapes."""
    return any(ord(ch) > 0xFFFF for ch in text)


def test_every_name_is_non_ascii_and_every_kind_appears_on_every_object() -> None:
    world = generate(3, 40, NOW)
    for kind, rows in _named(world).items():
        if kind == "line items":
            continue  # a line is named after its product
        names = [name for name, _ in rows]
        assert all(not name.isascii() for name in names), kind
        assert any(_accented(n) for n in names), kind
        assert any(_cjk(n) for n in names), kind
        assert any(_astral(n) for n in names), kind


def test_every_description_is_multi_line_with_quotes_and_commas() -> None:
    for kind, rows in _named(generate(3, 40, NOW)).items():
        for _, text in rows:
            assert text.count("\n") >= 2, kind
            assert '"' in text and "'" in text and "," in text, kind
            assert not text.isascii(), kind
            assert len(text) <= 255, kind  # fits Salesforce's shortest Description field


def test_the_same_seed_gives_the_same_world_and_another_seed_another() -> None:
    assert generate(5, 30, NOW) == generate(5, 30, NOW)
    a, b = _named(generate(5, 30, NOW)), _named(generate(6, 30, NOW))
    assert a["deals"] != b["deals"] and a["companies"] != b["companies"]


def test_every_stamp_lies_a_day_or_more_before_now() -> None:
    world = generate(3, 60)
    latest = datetime.now(UTC) - timedelta(days=1)
    stamps = [
        *(c.modified for c in world.companies),
        *(k.modified for k in world.contacts),
        *(p.modified for p in world.products),
        *(d.modified for d in world.deals),
    ]
    assert max(stamps) <= latest
    pinned = generate(3, 60, NOW)
    assert max(d.modified for d in pinned.deals) <= NOW - timedelta(days=1)


def test_a_seed_time_in_the_future_is_refused() -> None:
    with pytest.raises(ValueError, match="lies in the future"):
        generate(3, 10, datetime.now(UTC) + timedelta(hours=1))
