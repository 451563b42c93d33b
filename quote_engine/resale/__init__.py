"""Resale pricing: the end customer's price from the reseller's price book, and the reseller's margin."""

from quote_engine.resale.engine import price_resale
from quote_engine.resale.types import (
    ResaleLimits,
    ResaleLine,
    ResaleMethod,
    ResalePriceBook,
    ResaleResult,
    ResaleRule,
    ResaleTerms,
    ResaleTotals,
)

__all__ = [
    "ResaleLimits",
    "ResaleLine",
    "ResaleMethod",
    "ResalePriceBook",
    "ResaleResult",
    "ResaleRule",
    "ResaleTerms",
    "ResaleTotals",
    "price_resale",
]
