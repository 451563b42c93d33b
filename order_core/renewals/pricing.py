"""Pricing a renewal by the subscription's method: same price, current list (the waterfall), uplift %.

The buy side is the reseller's price to the vendor, the resale side the end customer's. Today's
prices (``list``) come from the same waterfall and price book a quote uses, remembered per
(reseller, SKU, seats, currency) for the length of a run.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Protocol

from sqlmodel import Session

from order_core.catalog.resale_prices import price_book_of
from order_core.customers.models import EndCustomer
from order_core.errors import DomainError, invalid
from order_core.partners.models import Partner
from order_core.partners.resale_limits import resale_limits_of
from order_core.pricing_inputs.builder import QuoteLineInput, build_pricing_inputs
from order_core.pricing_rules import rules_or_installed
from quote_engine.errors import PricingError
from quote_engine.money import round_money
from quote_engine.pricing import price_cart
from quote_engine.resale import price_resale


class SubscriptionTerms(Protocol):
    """What pricing a renewal reads of a subscription (an ORM row or a Core row)."""

    @property
    def id(self) -> int | None: ...
    @property
    def reseller_id(self) -> int: ...
    @property
    def end_customer_id(self) -> int | None: ...
    @property
    def sku(self) -> str: ...
    @property
    def seats(self) -> int: ...
    @property
    def currency(self) -> str: ...
    @property
    def pricing_method(self) -> str: ...
    @property
    def uplift_percent(self) -> Decimal | None: ...
    @property
    def unit_price(self) -> Decimal: ...
    @property
    def resale_unit_price(self) -> Decimal: ...


class PricingMethod(StrEnum):
    """How a subscription's renewal is priced."""

    SAME = "same"
    LIST = "list"
    UPLIFT = "uplift"


@dataclass(frozen=True)
class RenewalPrice:
    """Per-seat prices of a renewal: list, the reseller's buy price and the customer's resale price."""

    unit_list: Decimal
    unit_buy: Decimal
    unit_resale: Decimal


PriceCache = dict[tuple[int, str, int, str, int | None], RenewalPrice]


def check_method(subscription: str, method: str, uplift: Decimal | None) -> PricingMethod:
    """The method named, refused with the fix when unknown or when an uplift has no percent."""
    try:
        chosen = PricingMethod(method)
    except ValueError:
        options = ", ".join(m.value for m in PricingMethod)
        raise invalid(
            subscription, "pricing_method", f"{method!r} is not one of {options}"
        ) from None
    if chosen is PricingMethod.UPLIFT and (uplift is None or uplift < 0):
        raise invalid(subscription, "uplift_percent", "give a percent of 0 or more for an uplift")
    return chosen


def _today_prices(
    session: Session, sub: SubscriptionTerms, on: date, cache: PriceCache
) -> RenewalPrice:
    key = (sub.reseller_id, sub.sku, sub.seats, sub.currency, sub.end_customer_id)
    if key in cache:
        return cache[key]
    partner = session.get(Partner, sub.reseller_id)
    assert partner is not None and partner.id is not None
    customer = session.get(EndCustomer, sub.end_customer_id) if sub.end_customer_id else None
    inputs = build_pricing_inputs(
        session,
        partner,
        [QuoteLineInput(sub.sku, sub.seats)],
        currency=sub.currency,
        on=on,
        customer=customer,
    )
    try:
        result = price_cart(inputs.request, rules_or_installed(None), today=on)
    except PricingError as exc:
        raise DomainError(
            f"subscription {sub.id} cannot be priced for renewal: {exc.message}"
        ) from None
    categories = {sku: product.category for sku, product in inputs.products.items()}
    resale = price_resale(
        result,
        categories,
        price_book_of(session, partner.id),
        resale_limits_of(session, partner.id, on),
    )
    line, resold = result.lines[0], resale.lines[0]
    price = RenewalPrice(line.unit_list, line.unit_net, resold.unit_resale)
    cache[key] = price
    return price


def renewal_price(
    session: Session,
    sub: SubscriptionTerms,
    on: date,
    cache: PriceCache,
    list_price: Decimal | None,
) -> RenewalPrice:
    """The per-seat prices of ``sub``'s next term by its method (``list_price``: today's list)."""
    method = PricingMethod(sub.pricing_method)
    if method is PricingMethod.LIST:
        return _today_prices(session, sub, on, cache)
    factor = Decimal(1)
    if method is PricingMethod.UPLIFT:
        factor += (sub.uplift_percent or Decimal(0)) / Decimal(100)
    buy = round_money(sub.unit_price * factor, sub.currency)
    resale = round_money(sub.resale_unit_price * factor, sub.currency)
    return RenewalPrice(max(list_price or Decimal(0), buy, resale), buy, resale)
