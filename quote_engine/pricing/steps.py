"""Waterfall steps 1-3 for one line (list, buy, distributor, deal) and the floor of a product.

Each step function takes the running unit amount (full Decimal precision) and returns the
TraceStep it produced, or None when the step does not touch the line. Step 4 is in `volume`,
steps 5-8 (which work per slab band) in `bands`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from quote_engine.errors import FloorConfigError, MissingPriceError, PricingError
from quote_engine.money import round_up_money
from quote_engine.types import (
    BuyPriceRule,
    DealContext,
    DistributorTerms,
    ExchangeRates,
    PartnerContext,
    PricingStep,
    ProductInfo,
    RegistrationStatus,
    TraceStep,
)

_HUNDRED = Decimal(100)


def price_in(
    prices: Mapping[str, Decimal],
    currency: str,
    rates: ExchangeRates | None,
    what: str,
    fix: str,
) -> tuple[Decimal, Decimal | None, str]:
    """Return (amount in `currency`, rate used or None, source currency).

    Converts with a direct exchange rate only when the table has one; otherwise the missing
    price is a MissingPriceError naming `what` and `fix`.
    """
    amount = prices.get(currency)
    if amount is not None:
        return amount, None, currency
    if rates is not None:
        for source in sorted(prices):
            rate = rates.rate(source, currency)
            if rate is not None:
                return prices[source] * rate, rate, source
    raise MissingPriceError(
        f"{what} has no {currency} price and no exchange rate converts "
        f"{'/'.join(sorted(prices)) or 'any price'} to {currency}; {fix}"
    )


def list_step(product: ProductInfo, currency: str, rates: ExchangeRates | None) -> TraceStep:
    """Step 1: the list price in the quote currency (converted only with a configured rate)."""
    amount, rate, source = price_in(
        product.list_prices,
        currency,
        rates,
        f"product {product.sku!r} field list_prices",
        f"add list_prices.{currency} to the catalog or an exchange rate to {currency}",
    )
    if rate is None:
        return TraceStep(PricingStep.LIST, amount, amount, f"list price {currency}")
    before = product.list_prices[source]
    return TraceStep(
        PricingStep.LIST, before, amount, f"list {before} {source} x rate {rate}", rate=rate
    )


def _specificity(rule: BuyPriceRule) -> int:
    return (
        (rule.sku is not None) * 8
        + (rule.category is not None) * 4
        + (rule.program is not None) * 2
        + (rule.tier is not None)
    )


@dataclass(frozen=True, slots=True)
class BuyRules:
    """Buy-price rules usable by one partner, indexed so each line finds its rule quickly."""

    fixed_by_sku: dict[str, BuyPriceRule]
    percent_by_sku: dict[str, BuyPriceRule]
    general: tuple[BuyPriceRule, ...]
    """Percent rules without a SKU, most specific first."""
    labels: dict[int, tuple[str, str]]
    """id(rule) -> (label, reason), formatted once per cart."""

    def for_product(self, product: ProductInfo) -> BuyPriceRule | None:
        """The winning rule: fixed SKU price, else SKU percent, else the most specific scope."""
        rule = self.fixed_by_sku.get(product.sku) or self.percent_by_sku.get(product.sku)
        if rule is not None:
            return rule
        for rule in self.general:
            if rule.category is None or rule.category == product.category:
                return rule
        return None


def partner_buy_rules(rules: tuple[BuyPriceRule, ...], partner: PartnerContext) -> BuyRules:
    """Index the buy-price rules that can apply to this partner (program and tier match)."""
    usable = [
        r
        for r in rules
        if (r.program is None or r.program == partner.program)
        and (r.tier is None or r.tier == partner.tier)
    ]
    # sorted() is stable: ties keep catalog order, so the earlier rule wins (setdefault).
    usable.sort(key=lambda r: -_specificity(r))
    fixed: dict[str, BuyPriceRule] = {}
    percent: dict[str, BuyPriceRule] = {}
    general: list[BuyPriceRule] = []
    for r in usable:
        if r.sku is None:
            general.append(r)
        else:
            (fixed if r.fixed_prices is not None else percent).setdefault(r.sku, r)
    labels = {
        id(r): (
            r.name or f"buy_price_rules[{r.sku or r.category or r.program}]",
            f"{r.percent_off}% off list",
        )
        for r in usable
    }
    return BuyRules(fixed, percent, tuple(general), labels)


def buy_step(
    amount: Decimal,
    product: ProductInfo,
    rules: BuyRules,
    currency: str,
    rates: ExchangeRates | None,
) -> TraceStep:
    """Step 2: fixed SKU buy price, else program/tier percent off list, else list."""
    rule = rules.for_product(product)
    if rule is None:
        return TraceStep(PricingStep.BUY, amount, amount, "no buy-price rule: buy price = list")
    label, percent_reason = rules.labels[id(rule)]
    if rule.fixed_prices is not None:
        price, rate, _ = price_in(
            rule.fixed_prices,
            currency,
            rates,
            f"buy-price rule {label!r} field fixed_prices",
            f"add fixed_prices.{currency} or an exchange rate to {currency}",
        )
        reason = "fixed buy price" + (f" (rate {rate})" if rate else "")
        return TraceStep(PricingStep.BUY, amount, price, reason, rule=label, rate=rate)
    assert rule.percent_off is not None
    after = amount * (1 - rule.percent_off / _HUNDRED)
    return TraceStep(PricingStep.BUY, amount, after, percent_reason, rule=label)


def distributor_step(
    amount: Decimal, product: ProductInfo, terms: DistributorTerms | None
) -> TraceStep | None:
    """Step 2b: distributor terms on the buy price when the partner buys through one."""
    if terms is None:
        return None
    off = terms.category_percent_off.get(product.category, terms.percent_off)
    after = amount * (1 - off / _HUNDRED) * (1 + terms.uplift_percent / _HUNDRED)
    reason = f"distributor {terms.distributor_id}: {off}% off, {terms.uplift_percent}% uplift"
    return TraceStep(PricingStep.DISTRIBUTOR, amount, after, reason, rule=terms.distributor_id)


def deal_blocker(deal: DealContext, partner: PartnerContext, today: date) -> str | None:
    """Why the registration discount cannot apply to any line (None = it can)."""
    if deal.registration_status is not RegistrationStatus.APPROVED:
        return f"registration {deal.deal_id} is {deal.registration_status.value}, not approved"
    if deal.expires_on is not None and deal.expires_on < today:
        return f"registration {deal.deal_id} expired on {deal.expires_on.isoformat()}"
    if deal.end_customer_id is None or deal.end_customer_id != partner.end_customer_id:
        return (
            f"registration {deal.deal_id} is for end customer {deal.end_customer_id}, "
            f"not {partner.end_customer_id}"
        )
    return None


def deal_step(
    amount: Decimal, product: ProductInfo, deal: DealContext, blocker: str | None, reason: str
) -> TraceStep:
    """Step 3: deal-registration discount, or a no-change step saying why it did not apply."""
    in_scope = (
        not (deal.scope_skus or deal.scope_categories)
        or product.sku in deal.scope_skus
        or product.category in deal.scope_categories
    )
    if blocker is None and not in_scope:
        blocker = f"{product.sku} is outside registration {deal.deal_id}'s scope"
    if blocker is not None:
        return TraceStep(PricingStep.DEAL, amount, amount, blocker, rule=deal.deal_id)
    after = amount * (1 - deal.discount_percent / _HUNDRED)
    return TraceStep(PricingStep.DEAL, amount, after, reason, rule=deal.deal_id)


def floor_for(product: ProductInfo, currency: str, rates: ExchangeRates | None) -> Decimal | None:
    """The unit floor in `currency` (max of floor price and cost-based minimum margin)."""
    floors: list[Decimal] = []
    if product.floor_prices:
        price, _, _ = price_in(
            product.floor_prices,
            currency,
            rates,
            f"product {product.sku!r} field floor_prices",
            f"add floor_prices.{currency} or an exchange rate to {currency}",
        )
        floors.append(price)
    if product.min_margin_percent is not None:
        try:
            cost, _, _ = price_in(
                product.unit_costs,
                currency,
                rates,
                f"product {product.sku!r} field unit_costs",
                f"add unit_costs.{currency} (min_margin_percent needs the cost)",
            )
        except PricingError as exc:
            raise FloorConfigError(exc.message) from None
        floors.append(cost / (1 - product.min_margin_percent / _HUNDRED))
    if not floors:
        return None
    return round_up_money(max(floors), currency)
