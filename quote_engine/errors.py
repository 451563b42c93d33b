"""Domain errors raised by quote_engine: each message names the record, the field and the fix.

quote_engine must not import order_core, so these derive from ValueError; the CLI and order_core
catch PricingError and show `.message` without a traceback.
"""

from __future__ import annotations


class PricingError(ValueError):
    """Base class for every error a user can cause while pricing a cart or loading rules."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class UnknownCurrencyError(PricingError):
    """A currency code is not in the ISO 4217 minor-units table."""


class UnknownProductError(PricingError):
    """A cart line names a SKU that the catalog does not contain."""


class MissingPriceError(PricingError):
    """A price is missing in the quote currency and no exchange rate can convert it."""


class FloorConfigError(PricingError):
    """A floor (minimum price or margin) cannot be evaluated, e.g. the unit cost is missing."""


WHOLE_FILE = "-"
"""The `rule` of a rule-file error about the whole file (unreadable, not YAML, wrong shape)."""


def file_problem(kind: str, source: str, rule: str, reason: str) -> str:
    """`{kind} file {source}: {reason}` for the whole file, else `{kind} {source}: rule {rule}: ...`."""
    if rule == WHOLE_FILE:
        return f"{kind} file {source}: {reason}"
    return f"{kind} {source}: rule {rule}: {reason}"


class RuleFileError(PricingError):
    """A pricing-rule file (or rule list) does not validate; names the file, the rule and why."""

    def __init__(self, source: str, rule: str, reason: str) -> None:
        super().__init__(file_problem("pricing rules", source, rule, reason))
        self.source = source
        self.rule = rule
        self.reason = reason
