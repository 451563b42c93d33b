"""The error raised when an approval-policy file or rule list does not validate."""

from __future__ import annotations

from quote_engine.errors import PricingError, file_problem


class ApprovalPolicyError(PricingError):
    """An approval policy is refused: names the file, the rule and the reason.

    Derives from ``PricingError`` so the CLI and order_core show it like any quote_engine error.
    """

    def __init__(self, source: str, rule: str, reason: str) -> None:
        super().__init__(file_problem("approval policy", source, rule, reason))
        self.source = source
        self.rule = rule
        self.reason = reason
