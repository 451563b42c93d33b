"""`price_cart`: runs the price waterfall over every line of a request and builds the result."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from quote_engine.errors import PricingError, UnknownProductError
from quote_engine.money import minor_units, round_money
from quote_engine.pricing.ruleset import CartRules, RuleSet
from quote_engine.pricing.steps import (
    buy_step,
    deal_blocker,
    deal_step,
    distributor_step,
    floor_for,
    floor_step,
    list_step,
    partner_buy_rules,
    special_step,
)
from quote_engine.pricing.totals import LineOutcome, build_result
from quote_engine.pricing.volume import schedules_for, volume_step
from quote_engine.types import (
    CartLine,
    DistributorTerms,
    PricingRequest,
    PricingResult,
    PricingStep,
    ProductInfo,
    TraceStep,
)

_RULE_STEP = PricingStep.RULE
_BUY = PricingStep.BUY
_ROUNDING_STEP = PricingStep.ROUNDING


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
        trace = [first]
        amount = first.after
        bought = buy_step(amount, product, buy_rules, currency, rates)
        trace.append(bought)
        amount = bought.after
        step = distributor_step(amount, product, terms)
        if step is not None:
            trace.append(step)
            amount = step.after
        unit_buy = amount
        if request.deal is not None:
            trace.append(deal_step(amount, product, request.deal, blocker, deal_reason))
            amount = trace[-1].after
        schedule = schedules.for_product(product)
        if schedule is not None:
            step = volume_step(amount, line.quantity, schedule, currency, rates)
            if step is not None:
                trace.append(step)
                amount = step.after
        # Per-step unit deltas for the totals; steps 3-4 are read off the trace.
        deltas = [(_BUY, first.after - unit_buy)]
        deltas.extend((s.step, s.before - s.after) for s in trace[2:])
        if cart_rules is not None:
            before = amount
            amount = _rules_step(cart_rules, base, line, product, first.after, amount, trace)
            if amount != before:
                deltas.append((_RULE_STEP, before - amount))
        step = special_step(amount, line)
        if step is not None:
            trace.append(step)
            deltas.append((step.step, step.before - step.after))
            amount = step.after
        if product.sku in floors:
            floor = floors[product.sku]
        else:
            floor = floors[product.sku] = floor_for(product, currency, rates)
        breached = False
        if floor is not None:
            step, breached = floor_step(amount, floor, line.approved_below_floor)
            if step is not None:
                trace.append(step)
                deltas.append((step.step, step.before - step.after))
                amount = step.after
        unit_net = round_money(amount, currency)
        trace.append(TraceStep(_ROUNDING_STEP, amount, unit_net, rounding_reason))
        outcomes.append(
            LineOutcome(
                line=line,
                unit_list=first.after,
                unit_buy=unit_buy,
                unit_net=unit_net,
                floor=floor,
                breached=breached,
                approved=breached and line.approved_below_floor,
                trace=tuple(trace),
                deltas=tuple(deltas),
            )
        )
    return build_result(
        outcomes,
        request.header_discount,
        currency,
        today,
        rules.fingerprint if rules is not None else "",
    )


def _rules_step(
    rules: CartRules,
    base: dict[str, object],
    line: CartLine,
    product: ProductInfo,
    unit_list: Decimal,
    amount: Decimal,
    trace: list[TraceStep],
) -> Decimal:
    """Step 5: evaluate the rule set against this line's facts and apply the winners.

    `base` is the cart's facts dict; this line's product/line keys are written into it.
    """
    facts = base  # one dict per cart: the line keys are overwritten for every line
    facts["product.sku"] = product.sku
    facts["product.category"] = product.category
    facts["product.group"] = product.product_group
    facts["product.kind"] = str.__str__(product.kind)
    facts["product.term_months"] = product.term_months or 0
    facts["line.quantity"] = line.quantity
    facts["line.unit_price"] = amount
    facts["line.amount"] = amount * line.quantity
    facts["line.list_amount"] = unit_list * line.quantity
    currency = str(base["quote.currency"])
    start = amount
    for c in rules.matching(facts):
        after = c.apply(start, amount, currency)
        trace.append(TraceStep(_RULE_STEP, amount, after, c.reason, c.name))
        amount = after
    return amount
