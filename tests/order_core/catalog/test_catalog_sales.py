"""Catalog file sections for selling to end customers: price books, resale limits, partner details,
embedded logos and vendor users, loaded from the sample file and refused by line when wrong."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from sqlmodel import Session, col, select

from order_core.actors import Actor
from order_core.catalog.loader import load_catalog, load_catalog_file
from order_core.catalog.resale_prices import price_book_of
from order_core.errors import ValidationFailed
from order_core.partners.branding import branding_of
from order_core.partners.details import details_of
from order_core.partners.models import Partner
from order_core.partners.resale_limits import resale_limits_of
from order_core.staff.models import VendorUser
from order_core.staff.services import emails_for_role
from quote_engine.resale import ResaleMethod, ResaleRule

SAMPLE = Path(__file__).resolve().parents[3] / "channelsync" / "sample_data" / "catalog.yaml"
CLI = Actor.system("cli")


def _partner_id(session: Session, name: str) -> int:
    partner = session.exec(select(Partner).where(Partner.name == name)).one()
    assert partner.id is not None
    return partner.id


def test_the_sample_catalog_holds_price_books_limits_details_logos_and_staff(
    session: Session,
) -> None:
    result = load_catalog_file(SAMPLE, session=session, actor=CLI)
    assert result.vendor_users == 6
    logins = session.exec(select(VendorUser.login).order_by(col(VendorUser.login))).all()
    assert "pricing.desk@vendor.example" in logins
    assert emails_for_role(session, "pricing_desk") == ["pricing.desk@vendor.example"]
    northwind = _partner_id(session, "Northwind Partners")
    book = price_book_of(session, northwind)
    assert book.rules == (
        ResaleRule(category="Security", method=ResaleMethod.MARKUP, percent=Decimal("35")),
        ResaleRule(sku="CS-SUP-001", method=ResaleMethod.DISCOUNT, percent=Decimal("5")),
    )
    sakura = price_book_of(session, _partner_id(session, "Sakura Systems"))
    assert sakura.rounding == {"JPY": Decimal("100")}
    limits = resale_limits_of(session, northwind)
    assert limits is not None and limits.source == "program RESELLER"
    assert (limits.max_percent_of_list, limits.min_percent_of_list) == (Decimal(100), Decimal(70))
    details = details_of(session, northwind)
    assert details is not None and details.tax_id == "US 91-1234567"
    assert details.payment_terms_days == 30
    assert (details.payment_instructions or "").count("\n") == 2
    for name in ("Northwind Partners", "Contoso Distribution"):
        brand = branding_of(session, _partner_id(session, name))
        assert brand is not None and (brand.logo or "").startswith("data:image/svg+xml;base64,")
    assert load_catalog_file(SAMPLE, session=session, actor=CLI).changes == 0


BAD = """\
vendor_users:
  - {login: desk, email: not-an-address, roles: [pricing_desk]}
  - {login: boss, email: boss@vendor.test, roles: [emperor]}
programs:
  - {code: P1, name: One, resale_limits: {max_percent_of_list: 80, min_percent_of_list: 90}}
products:
  - {sku: A-1, name: A, category: apps, list_prices: {USD: 10.00}}
partners:
  - name: Shop
    branding: {display_name: Shop, logo_file: missing.png}
    price_book:
      rules:
        - {category: games, method: markup, percent: 10}
        - {sku: A-1, method: gift}
      rounding: {USD: 0.001}
"""


def test_sales_sections_are_refused_by_line_and_nothing_is_written(
    session: Session, tmp_path: Path
) -> None:
    with pytest.raises(ValidationFailed) as failed:
        load_catalog(BAD, session=session, actor=CLI, source="bad.yaml", base_dir=tmp_path)
    problems = [str(p) for p in failed.value.problems]
    assert any(p.startswith("bad.yaml line 10: branding.logo_file: cannot read") for p in problems)
    assert len(problems) == 1  # the file is read first: a missing logo stops before any write
    (tmp_path / "missing.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 8)
    with pytest.raises(ValidationFailed) as failed:
        load_catalog(BAD, session=session, actor=CLI, source="bad.yaml", base_dir=tmp_path)
    text = failed.value.message
    assert "bad.yaml line 2: email: 'not-an-address' is not an e-mail address" in text
    assert "bad.yaml line 3: roles: unknown ['emperor']" in text
    assert (
        "bad.yaml line 5: max_percent_of_list:" in text and "is above max_percent_of_list" in text
    )
    assert "bad.yaml line 13: category: 'games' is not a category of the catalog" in text
    assert "bad.yaml line 14: method:" in text
    assert "more decimals than USD has" in text
    assert session.exec(select(VendorUser)).all() == []
    assert session.exec(select(Partner)).all() == []
