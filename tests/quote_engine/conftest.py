"""Builders for quote_engine pricing tests: small catalogs, partners and carts from dicts."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal

from quote_engine.pricing import RuleSet, price_cart, rules_from_data
from quote_engine.types import PricingRequest, PricingResult

TODAY = date(2026, 11, 27)
D = Decimal


def product(
    sku: str = "A", price: str = "100.00", currency: str = "USD", **extra: object
) -> dict[str, object]:
    """A product dict with one list price."""
    return {"sku": sku, "list_prices": {currency: price}, **extra}


def make_request(
    lines: Sequence[Mapping[str, object]],
    products: Sequence[Mapping[str, object]] | None = None,
    *,
    currency: str = "USD",
    partner: Mapping[str, object] | None = None,
    deal: Mapping[str, object] | None = None,
    header: Mapping[str, object] | None = None,
    **catalog: object,
) -> PricingRequest:
    """A PricingRequest; `catalog` keywords go into the catalog (buy_price_rules, ...)."""
    return PricingRequest.model_validate(
        {
            "catalog": {"products": list(products or [product()]), **catalog},
            "partner": {
                "partner_id": "P1",
                "program": "reseller",
                "tier": "gold",
                "currency": currency,
                "end_customer_id": "C1",
                **(partner or {}),
            },
            "deal": deal,
            "lines": list(lines),
            "header_discount": header,
        }
    )


def rules(*items: dict[str, object]) -> RuleSet:
    """A RuleSet from rule dicts (validated like a rule file)."""
    return rules_from_data({"rules": list(items)}, "<test>")


def price(
    request: PricingRequest, ruleset: RuleSet | None = None, today: date = TODAY
) -> PricingResult:
    """price_cart with the fixed test date."""
    return price_cart(request, ruleset, today=today)


def steps(result: PricingResult, line: int = 0) -> list[tuple[str, Decimal, Decimal]]:
    """(step, before, after) of one line's trace, for compact assertions."""
    return [(s.step.value, s.before, s.after) for s in result.lines[line].trace]
