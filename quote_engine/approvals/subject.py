"""What an approval policy looks at: the typed ApprovalSubject of a quote or an order, as facts."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from quote_engine.types import CurrencyCode

_Dec = Annotated[Decimal, Field(allow_inf_nan=False)]


class ApprovalSubject(BaseModel):
    """The fields of a quote or order that approval rules may test.

    ``total`` is the net total in ``currency``; percentages are 0-100.
    ``max_line_discount_pct`` is the largest line discount off list; ``max_line_extra_discount_pct``
    the largest discount beyond the partner's buy price (the contractual program/tier discount is
    pre-approved, so the default policy escalates on this one). ``attributes`` carries any
    further text fields (rule field ``attr.<name>``), so a rule can test data this model lacks.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: Literal["quote", "order"]
    currency: CurrencyCode
    total: _Dec
    list_total: _Dec = Decimal(0)
    max_line_discount_pct: _Dec = Decimal(0)
    max_line_extra_discount_pct: _Dec = Decimal(0)
    margin_pct: _Dec | None = None
    partner_id: str = ""
    tier: str = ""
    program: str = ""
    distributor_id: str = ""
    skus: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    customer_country: str = ""
    buyer_spending_limit: _Dec | None = None
    floor_breached_lines: int = Field(default=0, ge=0)
    line_count: int = Field(default=0, ge=0)
    deal_registered: bool = False
    attributes: dict[str, str] = {}

    @property
    def over_buyer_limit(self) -> bool:
        """True when the buyer has a spending limit and the total exceeds it."""
        return self.buyer_spending_limit is not None and self.total > self.buyer_spending_limit

    def facts(self) -> dict[str, object]:
        """The subject as a flat mapping from condition field names to typed values."""
        facts: dict[str, object] = {
            "kind": self.kind,
            "currency": self.currency,
            "total": self.total,
            "list_total": self.list_total,
            "max_line_discount_pct": self.max_line_discount_pct,
            "max_line_extra_discount_pct": self.max_line_extra_discount_pct,
            "margin_pct": self.margin_pct,
            "partner_id": self.partner_id,
            "tier": self.tier,
            "program": self.program,
            "distributor_id": self.distributor_id,
            "skus": frozenset(self.skus),
            "categories": frozenset(self.categories),
            "customer_country": self.customer_country,
            "buyer_spending_limit": self.buyer_spending_limit,
            "over_buyer_limit": self.over_buyer_limit,
            "floor_breached_lines": self.floor_breached_lines,
            "line_count": self.line_count,
            "deal_registered": self.deal_registered,
        }
        for name, value in self.attributes.items():
            facts[f"attr.{name}"] = value
        return facts
