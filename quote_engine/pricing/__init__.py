"""Pure price waterfall: `price_cart`, rule sets and the YAML rule loader."""

from quote_engine.pricing.conditions import FIELDS, PRICING_FIELDS
from quote_engine.pricing.engine import price_cart
from quote_engine.pricing.rules import PricingRule, RuleAction, Stacking
from quote_engine.pricing.rules_file import load_rules, rules_from_data
from quote_engine.pricing.ruleset import RuleSet
from quote_engine.types import PricingRequest, PricingResult, content_hash

__all__ = [
    "FIELDS",
    "PRICING_FIELDS",
    "PricingRequest",
    "PricingResult",
    "PricingRule",
    "RuleAction",
    "RuleSet",
    "Stacking",
    "content_hash",
    "load_rules",
    "price_cart",
    "rules_from_data",
]
