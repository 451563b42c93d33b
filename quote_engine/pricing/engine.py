"""`price_cart`: runs the price waterfall over every line of a request and builds the result."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from quote_engine.errors import PricingError, UnknownProductError
from quote_engine.money import minor_units
from quote_engine.pricing.bands import (
    Bands,
    LineSteps,
    extended,
    floor_step,
    rounding_step,
    rules_step,
    special_step,
)
from quote_engine.pricing.ruleset import RuleSet
from quote_engine.pricing.steps import (
    buy_step,
    deal_blocker,
    deal_step,
    distributor_step,
    floor_for,
    list_step,
    partner_buy_rules,
)
from quote_engine.pricing.totals import LineOutcome, build_result
from quote_engine.pricing.volume import schedules_for, volume_step
from quote_engine.types import (
    DistributorTerms,
    PricingRequest,
    PricingResult,
    ProductInfo,
    TraceStep,
)


def _distributor(request: PricingRequest) -> DistributorTerms | None:
    wanted = request.partner.distributor_id
    if wanted is None:
        return None
    for terms in request.catalog.distributor_terms:
        if terms.distributor_id == wanted:
            return terms
    raise PricingError(
        f"partner {request.partner.partner_id!r} field distributor_id: distributor {wanted!r} "
        "has no entry in catalog.distributor_terms; add its terms or clear distributor_id"
    )


def _base_facts(request: PricingRequest, today: date, cart_list: Decimal) -> dict[str, object]:
    p, d = request.partner, request.deal
    return {
        "partner.id": p.partner_id,
        "partner.program": p.program,
        "partner.tier": p.tier,
        "partner.country": p.country,
        "partner.distributor": p.distributor_id or "",
        "customer.id": p.end_customer_id or "",
        "customer.country": p.end_customer_country,
        "customer.segment": p.customer_segment,
        "deal.id": d.deal_id if d else "",
        "deal.stage": d.stage if d else "",
        "deal.registration_status": d.registration_status.value if d else "none",
        "quote.currency": p.currency,
        "quote.date": today,
        "cart.list_amount": cart_list,
        "cart.lines": len(request.lines),
    }


def price_cart(
    request: PricingRequest, rules: RuleSet | None = None, *, today: date
) -> PricingResult:
    """Price every line of `request` through the waterfall (steps 1-8) and total the quote.

    Pure and deterministic: same request, rules and `today` give the same result. Raises a
    PricingError subclass (message names record, field and fix) for unpriceable input.
    """
    partner, catalog = request.partner, request.catalog
    currency = partner.currency
    places = minor_units(currency)
    rates = catalog.exchange_rates
    buy_rules = partner_buy_rules(catalog.buy_price_rules, partner)
    terms = _distributor(request)
    schedules = schedules_for(catalog.volume_schedules, partner.program)
    blocker = deal_blocker(request.deal, partner, today) if request.deal else None
    deal_reason = (
        f"registration {request.deal.deal_id}: {request.deal.discount_percent}% off"
        if request.deal
        else ""
    )

    products: list[ProductInfo] = []
    list_steps: list[TraceStep] = []
    by_sku = catalog.products_by_sku()
    for no, line in enumerate(request.lines, 1):
        product = by_sku.get(line.sku)
        if product is None:
            raise UnknownProductError(
                f"cart line {no} field sku: product {line.sku!r} is not in the catalog; "
                "add it to catalog.products or correct the SKU"
            )
        products.append(product)
        list_steps.append(list_step(product, currency, rates))
    cart_list = sum(
        (s.after * ln.quantity for s, ln in zip(list_steps, request.lines, strict=True)), Decimal(0)
    )
    base = _base_facts(request, today, cart_list)
    rounding_reason = f"unit net rounded half-up to {places} decimals ({currency})"

    cart_rules = rules.for_cart(base, today, currency) if rules is not None and len(rules) else None
    floors: dict[str, Decimal | None] = {}
    outcomes: list[LineOutcome] = []
    for line, product, first in zip(request.lines, products, list_steps, strict=True):
        qty = line.quantity
        steps = LineSteps(first, qty)
        bought = buy_step(first.after, product, buy_rules, currency, rates)
        steps.add(bought)
        amount = bought.after
        step = distributor_step(amount, product, terms)
        if step is not None:
            steps.add(step)
            amount = step.after
        unit_buy = amount
        if request.deal is not None:
            step = deal_step(amount, product, request.deal, blocker, deal_reason)
            steps.add(step)
            amount = step.after
        bands: Bands = ((qty, amount),)
        schedule = schedules.for_product(product)
        if schedule is not None:
            volume = volume_step(amount, qty, schedule, currency, rates)
            if volume is not None:
                step, bands = volume
                steps.add(step, extended(bands))
        if cart_rules is not None:
            bands = rules_step(cart_rules, base, line, product, first.after, bands, steps)
        bands = special_step(line, bands, steps)
        if product.sku in floors:
            floor = floors[product.sku]
        else:
            floor = floors[product.sku] = floor_for(product, currency, rates)
        breached = False
        if floor is not None:
            bands, breached = floor_step(floor, line.approved_below_floor, bands, steps)
        unit_net, extended_net = rounding_step(bands, steps, currency, rounding_reason)
        outcomes.append(
            LineOutcome(
                line=line,
                unit_list=first.after,
                unit_buy=unit_buy,
                unit_net=unit_net,
                extended_net=extended_net,
                floor=floor,
                breached=breached,
                approved=breached and line.approved_below_floor,
                trace=tuple(steps.trace),
                extended_after=tuple(steps.extended),
            )
        )
    return build_result(
        outcomes,
        request.header_discount,
        currency,
        today,
        rules.fingerprint if rules is not None else "",
    )
