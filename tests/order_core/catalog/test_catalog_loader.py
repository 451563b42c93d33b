"""The catalog loader: the sample file loads idempotently; problems are named by line; all or nothing."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from sqlmodel import Session, col, select

from order_core.actors import Actor
from order_core.catalog.authorization import authorized_products, ensure_authorized
from order_core.catalog.buy_prices import applicable_buy_prices
from order_core.catalog.loader import load_catalog, load_catalog_file
from order_core.catalog.models import Product
from order_core.catalog.products import get_product_by_sku, list_prices_of
from order_core.customers.models import EndCustomer
from order_core.errors import AccessDenied, DomainError, ProductNotAuthorized, ValidationFailed
from order_core.models import metadata
from order_core.partners.branding import branding_of
from order_core.partners.models import Buyer, Partner

SAMPLE = Path(__file__).resolve().parents[3] / "channelsync" / "sample_data" / "catalog.yaml"
CLI = Actor.system("cli")


def _snapshot(session: Session) -> list[list[tuple[object, ...]]]:
    session.expire_all()
    return [
        [tuple(r) for r in session.execute(t.select().order_by(*t.primary_key.columns))]
        for t in metadata.sorted_tables
        if t.name != "audit_entry"
    ]


def _partner(session: Session, name: str) -> Partner:
    return session.exec(select(Partner).where(Partner.name == name)).one()


def test_sample_catalog_loads_and_reloads_to_the_same_state(session: Session) -> None:
    first = load_catalog_file(SAMPLE, session=session, actor=CLI)
    assert (first.programs, first.products, first.partners, first.buyers) == (3, 12, 4, 7)
    assert first.changes > 0
    state = _snapshot(session)
    second = load_catalog_file(SAMPLE, session=session, actor=CLI)
    assert second.changes == 0
    assert _snapshot(session) == state
    skus = [p.sku for p in session.exec(select(Product).order_by(col(Product.sku)))]
    assert skus[0] == "CS-ANA-001" and skus[-1] == "CS-SUP-003" and len(skus) == 12
    pla = get_product_by_sku(session, "CS-PLA-001")
    assert pla.kind == "subscription" and pla.term_months == 12 and pla.license_type == "named_user"
    assert get_product_by_sku(session, "CS-PLA-002").kind == "perpetual"
    assert list_prices_of(session, pla.id or 0) == {
        "USD": Decimal("1200.00"),
        "EUR": Decimal("1104.00"),
        "JPY": Decimal("180000"),
    }
    contoso = _partner(session, "Contoso Distribution")
    branding = branding_of(session, contoso.id or 0)
    assert branding is not None and branding.primary_color == "#0B5394"
    sakura = _partner(session, "Sakura Systems")
    sakura_skus = {p.sku for p in authorized_products(sakura.id or 0, session=session, actor=CLI)}
    assert "CS-SEC-001" not in sakura_skus and "CS-PLA-001" in sakura_skus
    northwind = _partner(session, "Northwind Partners")
    ensure_authorized(session, northwind.id or 0, ["CS-SEC-003", "CS-ANA-002"])
    with pytest.raises(ProductNotAuthorized, match="Fabrikam Solutions"):
        ensure_authorized(session, _partner(session, "Fabrikam Solutions").id or 0, ["CS-SEC-003"])
    fixed = [
        b for b in applicable_buy_prices(session, northwind.id or 0) if b.fixed_price is not None
    ]
    assert {(b.currency, b.fixed_price) for b in fixed} == {
        ("USD", Decimal("850.00")),
        ("EUR", Decimal("780.00")),
    }
    assert len(session.exec(select(Buyer)).all()) == 7
    initech = session.exec(select(EndCustomer).where(EndCustomer.name == "Initech Software")).one()
    assert initech.reseller_of_record_id == northwind.id


BAD_PARSE = """programs:
  - code: RESELLER
    nmae: Typo
products:
  - sku: CS-X-1
    name: X
    term_months: twelve
    list_prices: {USD: 12.0.0, EUR: }
partners:
  - name: P
    programs:
      - {code: RESELLER, starts_on: 2026-13-01}
"""

BAD_APPLY = """programs:
  - code: RESELLER
    name: Reseller
products:
  - sku: CS-X-1
    name: X
    kind: subscription
    list_prices: {USD: 10.00, EURO: 9.00}
partners:
  - name: P
    programs:
      - {code: NOPE}
authorization:
  - program: RESELLER
    allow: {sku: [CS-X-1]}
"""


def test_parse_problems_are_named_by_line(session: Session) -> None:
    with pytest.raises(ValidationFailed) as err:
        load_catalog(BAD_PARSE, session=session, actor=CLI, source="bad.yaml")
    found = {(p.record, p.field) for p in err.value.problems}
    assert found == {
        ("bad.yaml line 3", "program.nmae"),
        ("bad.yaml line 2", "program.name"),
        ("bad.yaml line 7", "term_months"),
        ("bad.yaml line 8", "list_prices.USD"),
        ("bad.yaml line 8", "list_prices.EUR"),
        ("bad.yaml line 12", "starts_on"),
    }
    assert "nothing was loaded" in err.value.message


def test_apply_problems_roll_everything_back(session: Session) -> None:
    with pytest.raises(ValidationFailed) as err:
        load_catalog(BAD_APPLY, session=session, actor=CLI, source="apply.yaml")
    found = {(p.record, p.field) for p in err.value.problems}
    assert found == {
        ("apply.yaml line 5", "term_months"),
        ("apply.yaml line 12", "programs.code"),
    }
    assert session.exec(select(Product)).all() == []
    assert session.exec(select(Partner)).all() == []


def test_syntax_errors_access_and_missing_file(session: Session, tmp_path: Path) -> None:
    with pytest.raises(ValidationFailed) as err:
        load_catalog(
            "programs:\n  - code: [unclosed\n", session=session, actor=CLI, source="s.yaml"
        )
    assert err.value.problems[0].record.startswith("s.yaml line ")
    with pytest.raises(AccessDenied):
        load_catalog(
            "programs: []\n", session=session, actor=Actor(user="x", kind="partner", partner_id=1)
        )
    with pytest.raises(DomainError, match="cannot read catalog file"):
        load_catalog_file(tmp_path / "missing.yaml", session=session, actor=CLI)
