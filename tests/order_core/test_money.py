"""One check of currency codes and amounts for the whole core, with the currency's minor units."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest
from sqlmodel import Session, select

from order_core.actors import Actor
from order_core.catalog.loader import load_catalog
from order_core.catalog.models import ListPrice
from order_core.catalog.products import create_product, set_list_price
from order_core.credit.services import set_credit_line
from order_core.deals.services import upsert_deal
from order_core.errors import ValidationFailed
from order_core.money import amount_problem, check_amount, check_currency, currency_problem
from order_core.partners.services import create_partner
from tests.order_core.partners.world import VENDOR, build_world, pid

ROOT = Path(__file__).resolve().parents[2]
CLI = Actor.system("cli")


def test_currency_codes_are_those_quote_engine_can_price() -> None:
    assert currency_problem("x", "USD") is None
    assert currency_problem("x", "BHD") is None
    for bad in ("XYZ", "US", "usd", "", None, 840):
        problem = currency_problem("partner P", bad)
        assert problem is not None and problem.field == "currency"
        assert "ISO 4217" in problem.reason and "USD" in problem.reason
    lower = currency_problem("x", "eur")
    assert lower is not None and "in upper case" in lower.reason
    assert check_currency("x", " eur ") == "EUR"
    with pytest.raises(ValidationFailed, match=r"'ABC' is not a supported ISO 4217 currency code"):
        check_currency("list price of A-1", "ABC")


@pytest.mark.parametrize(
    ("amount", "currency", "ok"),
    [
        ("10.00", "USD", True),
        ("10.000", "USD", True),  # the same amount, written with a trailing zero
        ("10.005", "USD", False),
        ("1000", "JPY", True),
        ("1000.5", "JPY", False),
        ("1.005", "BHD", True),
        ("1.0005", "BHD", False),
        ("0", "EUR", True),
        ("1E+3", "USD", True),
        ("10.005", None, True),  # no currency: only >= 0 is checked
    ],
)
def test_amounts_have_no_more_decimals_than_their_currency(
    amount: str, currency: str | None, ok: bool
) -> None:
    problem = amount_problem("list price of A-1", "amount", Decimal(amount), currency)
    assert (problem is None) == ok
    if problem is not None:
        assert problem.reason.startswith(f"{amount} has more decimals than {currency} has")


def test_amounts_are_finite_decimals_not_below_zero() -> None:
    for bad in (Decimal("-0.01"), Decimal("NaN"), Decimal("Infinity"), 10.5, "10"):
        problem = amount_problem("x", "amount", bad, "USD")
        assert problem is not None and "is not an amount >= 0" in problem.reason
    assert check_amount("x", "amount", Decimal("12.50"), "EUR") == Decimal("12.50")


def test_a_list_price_with_more_decimals_than_the_currency_is_refused(session: Session) -> None:
    product = create_product("A-1", "Thing", session=session, actor=VENDOR)
    with pytest.raises(ValidationFailed) as refused:
        set_list_price(pid(product), "USD", Decimal("10.005"), session=session, actor=VENDOR)
    assert [str(p) for p in refused.value.problems] == [
        "list price of A-1: amount: 10.005 has more decimals than USD has (2 decimals); "
        "round it to 2 decimals"
    ]
    set_list_price(pid(product), "usd", Decimal("10.01"), session=session, actor=VENDOR)
    prices = [(p.currency, p.amount) for p in session.exec(select(ListPrice))]
    assert prices == [("USD", Decimal("10.01"))]


CATALOG = """products:
  - sku: A-1
    name: Thing
    list_prices:
      USD: 10.005
      EUR: 9.50
buy_prices:
  - sku: A-1
    currency: JPY
    fixed_price: 1000.5
"""


def test_catalog_load_names_the_file_line_and_field_of_an_over_precise_price(
    session: Session,
) -> None:
    with pytest.raises(ValidationFailed) as refused:
        load_catalog(CATALOG, session=session, actor=CLI, source="catalog.yaml")
    assert [str(p) for p in refused.value.problems] == [
        "catalog.yaml line 5: list_prices.USD: 10.005 has more decimals than USD has "
        "(2 decimals); round it to 2 decimals",
        "catalog.yaml line 10: fixed_price: 1000.5 has more decimals than JPY has "
        "(no decimals); round it to a whole number",
    ]
    assert session.exec(select(ListPrice)).all() == []  # nothing was loaded


def test_partners_deals_and_credit_lines_refuse_unknown_currencies(session: Session) -> None:
    world = build_world(session)
    with pytest.raises(ValidationFailed, match=r"partner Acme: currency: 'XYZ' is not a supported"):
        create_partner("Acme", session=session, actor=VENDOR, currency="XYZ")
    with pytest.raises(ValidationFailed, match=r"currency: 'XYZ' is not a supported"):
        upsert_deal(
            "salesforce",
            "006X",
            {"name": "Deal", "currency": "XYZ"},
            session=session,
            actor=Actor.system("sync"),
        )
    credit = Actor.vendor("carol@vendor.example", "credit_controller")
    with pytest.raises(ValidationFailed, match=r"'XYZ' is not a supported"):
        set_credit_line(pid(world.a), Decimal("1000"), "XYZ", session=session, actor=credit)
    with pytest.raises(ValidationFailed, match=r"1000.001 has more decimals than USD"):
        set_credit_line(pid(world.a), Decimal("1000.001"), "USD", session=session, actor=credit)


def test_currency_codes_are_checked_in_one_place() -> None:
    """No module of the core tests a currency code by hand or asks quote_engine's table itself."""
    by_hand = re.compile(r"currency.*\b(isupper|isalpha|len)\(|(isupper|isalpha|len)\(.*currency")
    offenders = []
    for path in sorted((ROOT / "order_core").rglob("*.py")):
        if path.name == "money.py":
            continue
        text = path.read_text(encoding="utf-8")
        for no, line in enumerate(text.splitlines(), 1):
            if by_hand.search(line) or re.search(r"\b(is_supported_currency|MINOR_UNITS)\b", line):
                offenders.append(f"{path.relative_to(ROOT)}:{no}: {line.strip()}")
    assert offenders == []
