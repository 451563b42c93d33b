"""The compiled, indexed RuleSet, and the per-cart view that evaluates it fast.

Each rule is filed under at most one cart-level field (partner, customer, deal, currency) and
at most one line-level field (sku, product group, category) that it requires by equality.
Per cart, only rules whose cart-level index value matches are looked at, and their cart-level
conditions (dates, currency, partner fields, ...) are evaluated once; rules without a
cart-level index have theirs evaluated lazily, once per cart, when a line first reaches them.
Per line, only rules filed under the line's sku / group / category (or none) are tested.
"""

from __future__ import annotations

import hashlib
import json
import operator
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from quote_engine.conditions import Facts, Predicate, compile_condition, conjunction
from quote_engine.pricing.conditions import cart_level_fields, equality_keys, split_condition
from quote_engine.pricing.rules import PricingRule, Stacking

_ZERO = Decimal(0)
_CART_CACHE_SIZE = 1024

LINE_INDEX_FIELDS = ("product.sku", "product.group", "product.category")
CART_INDEX_FIELDS = (
    "partner.id",
    "customer.id",
    "deal.id",
    "partner.tier",
    "partner.program",
    "customer.segment",
    "customer.country",
    "partner.country",
    "deal.stage",
    "quote.currency",
)


@dataclass(frozen=True, slots=True)
class CompiledRule:
    """A rule ready to evaluate: rank (0 = best), split predicates and pre-read values."""

    rank: int
    rule: PricingRule
    line_field: str | None
    line_values: frozenset[object]
    request_predicate: Predicate | None
    line_predicate: Predicate | None
    exclusive: bool
    currencies: frozenset[str] | None
    """Currencies an amount_off / set_price action has; None = any currency."""
    fraction: Decimal | None
    """percent_off / 100, pre-computed."""
    reason: str
    name: str
    lazy: bool
    """Not cart-indexed but has cart-level checks: evaluated on first use per cart."""

    def applies_to_cart(self, facts: Facts, today: date, currency: str) -> bool:
        """Check the parts that are the same for every line of a cart (dates, currency, ...)."""
        rule = self.rule
        if rule.valid_from is not None and today < rule.valid_from:
            return False
        if rule.valid_to is not None and today > rule.valid_to:
            return False
        if self.currencies is not None and currency not in self.currencies:
            return False
        return self.request_predicate is None or self.request_predicate(facts)

    def apply(self, base: Decimal, current: Decimal, currency: str) -> Decimal:
        """Amount after this rule: percent of `base` or amount off `current`, or set; >= 0."""
        action = self.rule.action
        if self.fraction is not None:
            reduced = current - base * self.fraction
        elif action.amount_off is not None:
            reduced = current - action.amount_off[currency]
        else:
            assert action.set_price is not None
            return action.set_price[currency]
        return reduced if reduced > 0 else _ZERO


def _compile(rank: int, rule: PricingRule) -> tuple[CompiledRule, str | None, frozenset[object]]:
    keys = equality_keys(rule.condition)
    line_field = next((f for f in LINE_INDEX_FIELDS if f in keys), None)
    cart_field = next((f for f in CART_INDEX_FIELDS if f in keys), None)
    indexed = [f for f in (line_field, cart_field) if f is not None]
    request, line = split_condition(rule.condition, indexed)
    prices = rule.action.amount_off or rule.action.set_price
    compiled = CompiledRule(
        rank=rank,
        rule=rule,
        line_field=line_field,
        line_values=keys[line_field] if line_field else frozenset(),
        request_predicate=conjunction([compile_condition(n) for n in request]) if request else None,
        line_predicate=conjunction([compile_condition(n) for n in line]) if line else None,
        exclusive=rule.stacking is Stacking.EXCLUSIVE,
        currencies=frozenset(prices) if prices is not None else None,
        fraction=rule.action.percent_off / 100 if rule.action.percent_off is not None else None,
        reason=rule.description or f"rule {rule.name} ({rule.stacking.value})",
        name=rule.name,
        lazy=cart_field is None
        and bool(request or rule.valid_from or rule.valid_to or prices is not None),
    )
    return compiled, cart_field, keys[cart_field] if cart_field else frozenset()


class RuleSet:
    """An immutable, compiled and indexed collection of pricing rules."""

    __slots__ = (
        "_cart_cache",
        "_cart_fields",
        "_cart_index",
        "_static",
        "fingerprint",
        "rules",
        "source",
    )

    def __init__(self, rules: Sequence[PricingRule], source: str = "<rules>") -> None:
        """Compile `rules` (names should be unique; the loader checks that)."""
        self.source = source
        self.rules: tuple[PricingRule, ...] = tuple(rules)
        order = sorted(range(len(self.rules)), key=lambda i: (-self.rules[i].priority, i))
        index: dict[str, dict[object, list[CompiledRule]]] = {}
        unindexed: list[CompiledRule] = []
        cart_fields: set[str] = set()
        for rank, i in enumerate(order):
            compiled, cart_field, cart_values = _compile(rank, self.rules[i])
            cart_fields |= cart_level_fields(self.rules[i].condition)
            if cart_field is None:
                unindexed.append(compiled)
                continue
            by_value = index.setdefault(cart_field, {})
            for value in cart_values:
                by_value.setdefault(value, []).append(compiled)
        self._cart_index = {f: {v: tuple(cs) for v, cs in m.items()} for f, m in index.items()}
        # Rules with no cart-level index are line-indexed once, here; their cart-level checks
        # run lazily, only for rules some line of the cart actually reaches.
        self._static = LineIndex.build(unindexed)
        # The per-cart view depends only on these facts (plus date and currency): memoize it.
        self._cart_fields = tuple(sorted(cart_fields))
        self._cart_cache: dict[tuple[object, ...], CartRules] = {}
        blob = json.dumps([r.model_dump(mode="json") for r in self.rules], sort_keys=True)
        self.fingerprint = hashlib.sha256(blob.encode()).hexdigest() if self.rules else ""

    def __len__(self) -> int:
        """Number of rules."""
        return len(self.rules)

    def for_cart(self, facts: Facts, today: date, currency: str) -> CartRules:
        """The rules whose cart-level conditions hold for this cart, indexed by line fields.

        Memoized on the cart-level facts the rules actually test (a pure cache: same facts,
        same view), so repeated carts of one partner skip the cart-level evaluation.
        """
        key = (today, currency, *(facts[f] for f in self._cart_fields))
        cached = self._cart_cache.get(key)
        if cached is not None:
            return cached
        view = self._build_cart_view(facts, today, currency)
        if len(self._cart_cache) >= _CART_CACHE_SIZE:
            self._cart_cache.clear()
        self._cart_cache[key] = view
        return view

    def _build_cart_view(self, facts: Facts, today: date, currency: str) -> CartRules:
        eligible: list[CompiledRule] = []
        for name, by_value in self._cart_index.items():
            for c in by_value.get(facts[name], ()):
                if c.applies_to_cart(facts, today, currency):
                    eligible.append(c)
        eligible.sort(key=_rank)
        return CartRules(LineIndex.build(eligible), self._static, today, currency, {})

    def matching(self, facts: Facts, today: date, currency: str) -> list[CompiledRule]:
        """Rules that apply to one line's `facts`, after stacking, best first (no caching)."""
        return self.for_cart(facts, today, currency).matching(facts)


@dataclass(frozen=True, slots=True)
class LineIndex:
    """Rules (best rank first) by the line-level field they are filed under."""

    wide: tuple[CompiledRule, ...]
    by_sku: dict[object, tuple[CompiledRule, ...]]
    by_group: dict[object, tuple[CompiledRule, ...]]
    by_category: dict[object, tuple[CompiledRule, ...]]

    @classmethod
    def build(cls, ranked: Sequence[CompiledRule]) -> LineIndex:
        """Index `ranked` (already in rank order) by line_field."""
        wide: list[CompiledRule] = []
        by_field: dict[str, dict[object, list[CompiledRule]]] = {f: {} for f in LINE_INDEX_FIELDS}
        for c in ranked:
            if c.line_field is None:
                wide.append(c)
            else:
                slot = by_field[c.line_field]
                for value in c.line_values:
                    slot.setdefault(value, []).append(c)
        frozen = {f: {v: tuple(cs) for v, cs in m.items()} for f, m in by_field.items()}
        return cls(
            tuple(wide), frozen["product.sku"], frozen["product.group"], frozen["product.category"]
        )

    def collect(
        self, sku: object, group: object, category: object, into: list[Sequence[CompiledRule]]
    ) -> None:
        """Append the non-empty candidate lists for a line to `into`."""
        for found in (
            self.wide,
            self.by_sku.get(sku),
            self.by_group.get(group),
            self.by_category.get(category),
        ):
            if found:
                into.append(found)


@dataclass(frozen=True, slots=True)
class CartRules:
    """Rules for one cart: `dynamic` already passed its cart-level checks; `static` rules are
    checked lazily (memoized in `checked`). `matching` runs once per line."""

    dynamic: LineIndex
    static: LineIndex
    today: date
    currency: str
    checked: dict[int, bool]

    def matching(self, facts: Facts) -> list[CompiledRule]:
        """Rules that apply to this line after stacking, best first."""
        sku, group = facts["product.sku"], facts["product.group"]
        category = facts["product.category"]
        parts: list[Sequence[CompiledRule]] = []
        self.dynamic.collect(sku, group, category, parts)
        self.static.collect(sku, group, category, parts)
        if not parts:
            return []
        candidates: Sequence[CompiledRule] = parts[0]
        if len(parts) > 1:
            merged = [c for found in parts for c in found]
            merged.sort(key=_rank)
            candidates = merged
        chosen: list[CompiledRule] = []
        checked = self.checked
        for c in candidates:
            if c.exclusive and chosen:
                continue  # an additive rule outranks it: exclusive rules never join a stack
            if c.lazy:
                ok = checked.get(c.rank)
                if ok is None:
                    ok = checked[c.rank] = c.applies_to_cart(facts, self.today, self.currency)
                if not ok:
                    continue
            if c.line_predicate is not None and not c.line_predicate(facts):
                continue
            if c.exclusive:
                return [c]
            chosen.append(c)
        return chosen


_rank = operator.attrgetter("rank")
