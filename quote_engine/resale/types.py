"""Typed inputs and outputs of resale pricing: the reseller's price book, program limits, results.

The resale price is what the end customer pays the reseller; the buy price (the waterfall's
``line_total``) is what the reseller pays the vendor. Inputs are frozen pydantic models (they
validate JSON), outputs frozen dataclasses with ``to_jsonable``.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Self

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from quote_engine.money import MINOR_UNITS, quantum

Percent = Annotated[Decimal, Field(ge=0, le=100, allow_inf_nan=False)]
Markup = Annotated[Decimal, Field(ge=0, le=1000, allow_inf_nan=False)]


class ResaleMethod(StrEnum):
    """How a resale price is set: the vendor's list price, a markup on buy, or a discount off list."""

    LIST = "list"
    MARKUP = "markup"
    DISCOUNT = "discount"


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ResaleRule(_Frozen):
    """One price book entry: for a SKU, a category, or (neither) every product.

    ``percent`` is the markup on the reseller's unit buy price (``markup``) or the discount off
    the list price (``discount``); ``list`` takes none.
    """

    sku: str | None = None
    category: str | None = None
    method: ResaleMethod
    percent: Markup | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.sku is not None and self.category is not None:
            raise ValueError("give sku or category (or neither for every product), not both")
        if self.method is ResaleMethod.LIST and self.percent is not None:
            raise ValueError("method list takes no percent")
        if self.method is not ResaleMethod.LIST and self.percent is None:
            raise ValueError(f"method {self.method.value} needs a percent")
        if self.method is ResaleMethod.DISCOUNT and self.percent is not None and self.percent > 100:
            raise ValueError("a discount off list is at most 100 percent")
        return self

    def describe(self) -> str:
        """How the rule prices, for traces and the reseller's view (``markup 20% on buy (sku X)``)."""
        pct = percent_text(self.percent) if self.percent is not None else ""
        how = {
            ResaleMethod.LIST: "list price",
            ResaleMethod.MARKUP: f"markup {pct}% on buy",
            ResaleMethod.DISCOUNT: f"discount {pct}% off list",
        }[self.method]
        return f"{how} ({_scope(self.sku, self.category)})"


def percent_text(value: Decimal) -> str:
    """A percentage as written, whatever its stored scale: ``20.00000000`` -> ``20``, ``2.5``."""
    return f"{value.normalize():f}"


def _scope(sku: str | None, category: str | None) -> str:
    if sku is not None:
        return f"sku {sku}"
    return f"category {category}" if category is not None else "every product"


DEFAULT_RULE = ResaleRule(method=ResaleMethod.LIST)


class ResalePriceBook(_Frozen):
    """A reseller's price book: rules (a SKU beats a category beats the default) and rounding.

    Without a matching rule the resale price is the vendor's list price. ``rounding`` gives a
    rounding step per currency (``{"JPY": "100"}``: whole hundreds, half-up); a currency not
    named rounds to its minor units.
    """

    rules: tuple[ResaleRule, ...] = ()
    rounding: dict[str, Annotated[Decimal, Field(gt=0, allow_inf_nan=False)]] = {}

    @field_validator("rounding")
    @classmethod
    def _steps(cls, value: dict[str, Decimal]) -> dict[str, Decimal]:
        for currency, step in value.items():
            if currency not in MINOR_UNITS:
                raise ValueError(
                    f"rounding: currency {currency!r} is not a supported ISO 4217 code"
                )
            if step % quantum(currency):
                raise ValueError(
                    f"rounding {currency} {step}: must be a multiple of {quantum(currency)}, "
                    f"the smallest {currency} amount"
                )
        return value

    @model_validator(mode="after")
    def _unique(self) -> Self:
        keys = [_scope(r.sku, r.category) for r in self.rules]
        dupes = sorted({k for k in keys if keys.count(k) > 1})
        if dupes:
            raise ValueError(f"more than one rule for: {', '.join(dupes)}")
        return self

    def rule_for(self, sku: str, category: str) -> ResaleRule:
        """The rule pricing ``sku``: its own, else its category's, else the default, else list."""
        by_sku = {r.sku: r for r in self.rules if r.sku is not None}
        if sku in by_sku:
            return by_sku[sku]
        for rule in self.rules:
            if rule.category is not None and rule.category == category:
                return rule
        for rule in self.rules:
            if rule.sku is None and rule.category is None:
                return rule
        return DEFAULT_RULE

    def step(self, currency: str) -> Decimal:
        """The rounding step of ``currency``."""
        return self.rounding.get(currency, quantum(currency))


class ResaleLimits(_Frozen):
    """A vendor's cap and floor on resale prices, in percent of the list price (a program's terms)."""

    max_percent_of_list: Annotated[Decimal, Field(gt=0, le=1000, allow_inf_nan=False)] | None = None
    min_percent_of_list: Annotated[Decimal, Field(ge=0, le=1000, allow_inf_nan=False)] | None = None
    source: str = ""
    """Who sets them (``program RESELLER``), named in the line's basis."""

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        low, high = self.min_percent_of_list, self.max_percent_of_list
        if low is not None and high is not None and low > high:
            raise ValueError(f"min_percent_of_list {low} is above max_percent_of_list {high}")
        return self


class ResaleTerms(_Frozen):
    """The resale side of a cart: the reseller's price book and the limits its program sets."""

    price_book: ResalePriceBook = ResalePriceBook()
    limits: ResaleLimits | None = None


def _text(value: object) -> object:
    return str(value) if isinstance(value, Decimal) else value


@dataclass(frozen=True, slots=True)
class ResaleLine:
    """One line's resale price next to its buy price; ``margin`` = resale_total - buy_total."""

    line_no: int
    sku: str
    quantity: int
    unit_list: Decimal
    unit_resale: Decimal
    resale_total: Decimal
    """unit_resale x quantity: what the end customer pays for the line."""
    buy_total: Decimal
    """The waterfall's line_total: what the reseller pays the vendor for the line."""
    margin: Decimal
    margin_percent: Decimal | None
    """margin / resale_total x 100, 2 places; None when the resale total is 0."""
    basis: str
    """How the price was set (the rule, and a program's cap or floor when one applied)."""
    limited: str | None
    """``cap`` or ``floor`` when a program limit changed the price, else None."""

    def to_jsonable(self) -> dict[str, object]:
        """Plain JSON-ready data; Decimals become strings."""
        return {n: _text(getattr(self, n)) for n in self.__dataclass_fields__}


@dataclass(frozen=True, slots=True)
class ResaleTotals:
    """Totals of the resale side; margin = resale_total - buy_total exactly."""

    currency: str
    resale_total: Decimal
    buy_total: Decimal
    margin: Decimal
    margin_percent: Decimal | None

    def to_jsonable(self) -> dict[str, object]:
        """Plain JSON-ready data; Decimals become strings."""
        return {n: _text(getattr(self, n)) for n in self.__dataclass_fields__}


@dataclass(frozen=True, slots=True)
class ResaleResult:
    """The resale side of a priced cart: one ResaleLine per priced line, and the totals."""

    currency: str
    lines: tuple[ResaleLine, ...]
    totals: ResaleTotals

    def to_jsonable(self) -> dict[str, object]:
        """Plain JSON-ready data; Decimals become strings."""
        return {
            "currency": self.currency,
            "lines": [line.to_jsonable() for line in self.lines],
            "totals": self.totals.to_jsonable(),
        }
