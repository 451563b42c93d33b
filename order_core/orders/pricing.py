"""Pricing an order's cart through quote_engine, with the same request builder quotes use.

``order_core.pricing_inputs.builder`` turns the core tables (authorization, list and buy prices,
programs, distributor terms, end customer) into a ``PricingRequest``; orders use it as is, so a
cart costs the same whether it is quoted or ordered: both price with the same promotion rules
(the caller's ``RuleSet``, else the installed file of ``order_core.pricing_rules``). This module
keeps the order's view of the result.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from sqlmodel import Session

from order_core.catalog.models import Product
from order_core.customers.models import EndCustomer
from order_core.errors import invalid
from order_core.partners.models import Partner
from order_core.pricing_inputs.builder import QuoteLineInput, build_pricing_inputs
from order_core.pricing_rules import rules_or_installed
from order_core.types import utcnow
from quote_engine.errors import PricingError
from quote_engine.pricing import RuleSet, price_cart
from quote_engine.types import PricingResult


@dataclass(frozen=True)
class CartItem:
    """A requested order line: SKU and quantity."""

    sku: str
    quantity: int


@dataclass(frozen=True)
class PricedItem:
    """A priced order line, ready to become an OrderLine."""

    product: Product
    quantity: int
    unit_list: Decimal
    unit_net: Decimal
    line_total: Decimal
    discount_percent: Decimal
    floor_breached: bool
    trace: str


@dataclass(frozen=True)
class PricedCart:
    """The priced cart: lines and the totals the approval policy looks at."""

    currency: str
    items: tuple[PricedItem, ...]
    list_total: Decimal
    net_total: Decimal
    max_line_discount_pct: Decimal
    max_line_extra_discount_pct: Decimal
    floor_breaches: int
    distributor_id: int | None = None


def price_items_now(
    session: Session,
    partner: Partner,
    items: Sequence[CartItem],
    currency: str,
    end_customer: EndCustomer | None,
    rules: RuleSet | None = None,
) -> PricedCart:
    """Authorize and price ``items`` for ``partner`` in ``currency`` at today's prices.

    Promotion rules are ``rules``, or the installed rules file when None (as quotes do).
    ProductNotAuthorized names SKUs the partner may not buy; an unpriceable line (no price in the
    currency) is a ValidationFailed naming the SKU, the field and the fix.
    """
    today = utcnow().date()
    active = rules_or_installed(rules)
    try:
        inputs = build_pricing_inputs(
            session,
            partner,
            [QuoteLineInput(sku=i.sku, quantity=i.quantity) for i in items],
            currency=currency,
            on=today,
            customer=end_customer,
        )
        result = price_cart(inputs.request, active, today=today)
    except PricingError as exc:
        raise invalid(f"order of partner {partner.name}", "lines", exc.message) from None
    distributor = inputs.distributor.distributor_id if inputs.distributor is not None else None
    return _priced(result, inputs.products, distributor)


def _priced(
    result: PricingResult, products: Mapping[str, Product], distributor_id: int | None
) -> PricedCart:
    items = tuple(
        PricedItem(
            product=products[line.sku],
            quantity=line.quantity,
            unit_list=line.unit_list,
            unit_net=line.unit_net,
            line_total=line.line_total,
            discount_percent=line.discount_percent,
            floor_breached=line.floor_breached and not line.floor_approved,
            trace=json.dumps([s.to_jsonable() for s in line.trace], sort_keys=True),
        )
        for line in result.lines
    )
    totals = result.totals
    return PricedCart(
        currency=result.currency,
        items=items,
        list_total=totals.list_total,
        net_total=totals.net_total,
        max_line_discount_pct=totals.max_line_discount_percent,
        max_line_extra_discount_pct=totals.max_line_extra_discount_percent,
        floor_breaches=sum(1 for i in items if i.floor_breached),
        distributor_id=distributor_id,
    )
