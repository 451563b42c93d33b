"""The shared seed world: non-ASCII names and awkward descriptions everywhere, deterministic, past,
and carrying every channel field the mappings read (tiers, roles, registration terms, lines)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from crm_sandbox.common.seed import SeedContact, SeedWorld, generate
from crm_sandbox.common.seed_channel import CHANNEL_ROLES, REGISTRATION_STATUSES, TIERS
from crm_sandbox.common.seed_text import CITIES

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


def test_partners_take_every_tier_and_people_channel_roles() -> None:
    world = generate(3, 200, NOW)
    partners = [c for c in world.companies if c.kind != "customer"]
    assert {c.tier for c in partners} == set(TIERS)
    assert all(c.tier is None for c in world.companies if c.kind == "customer")
    by_company: dict[str, list[SeedContact]] = {}
    for k in world.contacts:
        by_company.setdefault(k.company_key, []).append(k)
    for c in world.companies:
        people = by_company[c.key]
        assert all(k.email.isascii() and k.email.endswith("@" + c.domain) for k in people)
        if c.kind == "customer":
            assert [k.channel_role for k in people] == [None]
        else:
            assert 2 <= len(people) <= 4 and people[0].channel_role in CHANNEL_ROLES
            assert len({k.email.lower() for k in people}) == len(people)
    roles = {k.channel_role for c in partners for k in by_company[c.key]}
    assert roles == {*CHANNEL_ROLES, None}  # some partner people are not buyers
    assert len({k.key for k in world.contacts}) == len(world.contacts)


def test_every_company_has_a_phone_and_a_city_of_its_country() -> None:
    for c in generate(3, 80, NOW).companies:
        assert c.city in CITIES[c.country]
        assert c.phone.startswith("+") and c.phone.replace(" ", "")[1:].isdigit()


def test_registrations_carry_status_discount_expiry_and_scope_from_their_products() -> None:
    world = generate(3, 200, NOW)
    families = {p.sku: p.family for p in world.products}
    today = (NOW - timedelta(days=1)).date()
    registrations = [d for d in world.deals if d.is_registration]
    assert all(d.registration is None for d in world.deals if not d.is_registration)
    assert {d.registration_status for d in registrations} == set(REGISTRATION_STATUSES)
    for d in registrations:
        terms = d.registration
        assert terms is not None and terms.status == d.registration_status
        assert Decimal(5) <= terms.discount_percent <= Decimal(20)
        assert terms.discount_percent == terms.discount_percent.quantize(Decimal("0.01"))
        assert (terms.expires_on < today) is (terms.status == "Expired")
        tokens = terms.scope.split(",")
        lines = {(ln.sku, families[ln.sku]) for ln in d.lines}
        assert tokens and all(any(t in pair for pair in lines) for t in tokens)
    scopes = ",".join(d.registration.scope for d in registrations if d.registration)
    assert set(scopes.split(",")) & set(families) and set(scopes.split(",")) & set(
        families.values()
    )


def test_lines_carry_positions_discounts_and_the_deal_amount_is_their_net_sum() -> None:
    world = generate(3, 120, NOW)
    lines = [ln for d in world.deals for ln in d.lines]
    assert any(ln.discount_percent is None for ln in lines)
    assert any(ln.discount_percent is not None for ln in lines)
    for d in world.deals:
        assert [ln.position for ln in d.lines] == list(range(1, len(d.lines) + 1))
        assert len({ln.sku for ln in d.lines}) == len(d.lines)
        assert d.amount == sum(
            (ln.unit_price * ln.quantity * (100 - (ln.discount_percent or 0)) / 100).quantize(
                Decimal("0.01")
            )
            for ln in d.lines
        )
