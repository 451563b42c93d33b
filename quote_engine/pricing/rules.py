"""Promotion / pricing rules (waterfall step 5): the validated rule model.

Ordering: higher `priority` first, then file order. Stacking: if the best-ranked matching rule
is `exclusive` it alone applies; otherwise every matching `additive` rule applies (each taking
its reduction off the step-5 entry amount) and lower-ranked exclusive rules are skipped.
The compiled, indexed form is `quote_engine.pricing.ruleset.RuleSet`.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Self

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, field_validator, model_validator

from quote_engine.conditions import Node, parse_condition
from quote_engine.pricing.conditions import PRICING_FIELDS
from quote_engine.types import Percent, PriceList

_ZERO = Decimal(0)


class Stacking(StrEnum):
    """How a rule combines with other matching rules."""

    EXCLUSIVE = "exclusive"
    ADDITIVE = "additive"


class RuleAction(BaseModel):
    """Exactly one of: percent off, amount off per unit (per currency), set unit price."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    percent_off: Percent | None = None
    amount_off: PriceList | None = None
    set_price: PriceList | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> Self:
        given = [n for n in ("percent_off", "amount_off", "set_price") if getattr(self, n)]
        if len(given) != 1:
            raise ValueError(
                f"action needs exactly one of percent_off, amount_off, set_price (got {given})"
            )
        return self


class PricingRule(BaseModel):
    """One promotion or pricing rule. `when` uses the condition language; absent = always."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(min_length=1)
    description: str = ""
    priority: Annotated[int, Field(ge=-1_000_000, le=1_000_000)] = 0
    stacking: Stacking = Stacking.ADDITIVE
    when: dict[str, object] | None = None
    action: RuleAction
    valid_from: date | None = None
    valid_to: date | None = None

    _condition: Node | None = PrivateAttr(default=None)

    @field_validator("when")
    @classmethod
    def _check_when(cls, raw: dict[str, object] | None) -> dict[str, object] | None:
        if raw is not None:
            parse_condition(
                raw, fields=PRICING_FIELDS
            )  # raises ConditionSyntaxError (a ValueError) with its path
        return raw

    @property
    def condition(self) -> Node | None:
        """The parsed condition tree (None = always true)."""
        return self._condition

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        self._condition = (
            parse_condition(self.when, fields=PRICING_FIELDS) if self.when is not None else None
        )
        if self.action.set_price is not None and self.stacking is Stacking.ADDITIVE:
            raise ValueError("set_price cannot stack: use stacking: exclusive")
        if self.valid_from and self.valid_to and self.valid_to < self.valid_from:
            raise ValueError("valid_to is before valid_from")
        return self
