"""Typed, immutable values that go into and come out of quote_engine pricing.

Inputs are frozen pydantic v2 models (they validate JSON carts); outputs are frozen slotted
dataclasses (cheap to build on the hot path). Money is always `Decimal`. The entry point is
`quote_engine.pricing.price_cart(request, rules=None, *, today=...) -> PricingResult`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum
from types import MappingProxyType
from typing import Annotated, NamedTuple, Self

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, PrivateAttr, model_validator

from quote_engine.money import MINOR_UNITS


def _check_currency(code: str) -> str:
    if code not in MINOR_UNITS:
        raise ValueError(f"currency {code!r} is not a supported ISO 4217 code")
    return code


CurrencyCode = Annotated[str, AfterValidator(_check_currency)]
Amount = Annotated[Decimal, Field(ge=0, allow_inf_nan=False)]
Percent = Annotated[Decimal, Field(ge=0, le=100, allow_inf_nan=False)]
PriceList = dict[CurrencyCode, Amount]
Names = tuple[str, ...]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


def _exactly_one(model: BaseModel, *names: str) -> None:
    given = [n for n in names if getattr(model, n) is not None]
    if len(given) != 1:
        raise ValueError(f"set exactly one of {', '.join(names)} (got {given or 'none'})")


# ---------------------------------------------------------------- catalog inputs


class ProductKind(StrEnum):
    """Licensing kind of a product."""

    PERPETUAL = "perpetual"
    SUBSCRIPTION = "subscription"


class ProductInfo(_Frozen):
    """A sellable SKU: list price per currency, grouping used by rules, and optional floors."""

    sku: str = Field(min_length=1)
    name: str = ""
    category: str = ""
    product_group: str = ""
    kind: ProductKind = ProductKind.PERPETUAL
    term_months: int | None = Field(default=None, ge=1)
    list_prices: PriceList
    floor_prices: PriceList = {}
    """Minimum unit net price per currency (floor guard, step 7)."""
    unit_costs: PriceList = {}
    """Vendor unit cost per currency; needed only when `min_margin_percent` is set."""
    min_margin_percent: Annotated[Decimal, Field(ge=0, lt=100, allow_inf_nan=False)] | None = None
    """Floor as a margin: net must stay >= cost / (1 - m/100)."""


class BuyPriceRule(_Frozen):
    """Partner buy price (step 2): a fixed price for a SKU, or a percent off list for a scope.

    Unset scope fields match everything. A fixed price always beats a percent; among rules of
    the same kind the most specific wins (sku > category > program > tier, summed as bits);
    ties go to the earlier rule.
    """

    name: str = ""
    program: str | None = None
    tier: str | None = None
    sku: str | None = None
    category: str | None = None
    fixed_prices: PriceList | None = None
    percent_off: Percent | None = None

    @model_validator(mode="after")
    def _one_action(self) -> Self:
        _exactly_one(self, "fixed_prices", "percent_off")
        if self.fixed_prices is not None and self.sku is None:
            raise ValueError("fixed_prices needs a sku")
        return self


class DistributorTerms(_Frozen):
    """Terms applied to the buy price when the partner buys through this distributor."""

    distributor_id: str = Field(min_length=1)
    percent_off: Percent = Decimal(0)
    category_percent_off: dict[str, Percent] = {}
    """Per-category percent off that replaces `percent_off` for that category."""
    uplift_percent: Annotated[Decimal, Field(ge=0, le=1000)] = Decimal(0)
    """Distributor margin added after the percent off."""


class VolumeMode(StrEnum):
    """RANGE prices every unit at the reached band; SLAB prices each unit in its own band."""

    RANGE = "range"
    SLAB = "slab"


class VolumeBand(_Frozen):
    """A band from `min_quantity` up to the next band's minimum - 1."""

    min_quantity: int = Field(ge=1)
    percent_off: Percent | None = None
    unit_prices: PriceList | None = None

    @model_validator(mode="after")
    def _one_price(self) -> Self:
        _exactly_one(self, "percent_off", "unit_prices")
        return self


class VolumeSchedule(_Frozen):
    """Volume breaks (step 4) for a scope; bands ascend and never get dearer.

    Scope: a SKU-scoped schedule beats a product-group one, which beats a category one; an
    empty scope applies to every product. `programs` restricts it to partner programs.
    """

    schedule_id: str = Field(min_length=1)
    mode: VolumeMode
    skus: Names = ()
    product_groups: Names = ()
    categories: Names = ()
    programs: Names = ()
    bands: tuple[VolumeBand, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _monotonic(self) -> Self:
        mins = [b.min_quantity for b in self.bands]
        if mins != sorted(set(mins)):
            raise ValueError("bands must have strictly ascending min_quantity")
        kinds = {b.percent_off is None for b in self.bands}
        if len(kinds) > 1:
            raise ValueError("bands must all use percent_off or all use unit_prices")
        for prev, cur in zip(self.bands, self.bands[1:], strict=False):
            if prev.percent_off is not None and cur.percent_off is not None:
                if cur.percent_off < prev.percent_off:
                    raise ValueError(f"band {cur.min_quantity} has a smaller percent_off")
            elif prev.unit_prices is not None and cur.unit_prices is not None:
                for ccy, price in cur.unit_prices.items():
                    if ccy in prev.unit_prices and price > prev.unit_prices[ccy]:
                        raise ValueError(f"band {cur.min_quantity} is dearer in {ccy}")
        return self


class ExchangeRate(_Frozen):
    """One unit of `from_currency` is worth `rate` units of `to_currency`."""

    from_currency: CurrencyCode
    to_currency: CurrencyCode
    rate: Annotated[Decimal, Field(gt=0, allow_inf_nan=False)]


class ExchangeRates(_Frozen):
    """Exchange-rate table; only direct (from -> to) rates are used, never chained."""

    rates: tuple[ExchangeRate, ...] = ()

    def rate(self, from_currency: str, to_currency: str) -> Decimal | None:
        """Return the direct rate or None."""
        for r in self.rates:
            if r.from_currency == from_currency and r.to_currency == to_currency:
                return r.rate
        return None


class Catalog(_Frozen):
    """Everything pricing needs to know about products and commercial terms."""

    products: tuple[ProductInfo, ...]
    buy_price_rules: tuple[BuyPriceRule, ...] = ()
    distributor_terms: tuple[DistributorTerms, ...] = ()
    volume_schedules: tuple[VolumeSchedule, ...] = ()
    exchange_rates: ExchangeRates | None = None
    _by_sku: dict[str, ProductInfo] = PrivateAttr(default_factory=dict)

    @model_validator(mode="after")
    def _unique(self) -> Self:
        for what, keys in (
            ("sku", [p.sku for p in self.products]),
            ("distributor_id", [d.distributor_id for d in self.distributor_terms]),
            ("schedule_id", [s.schedule_id for s in self.volume_schedules]),
        ):
            dupes = sorted({k for k in keys if keys.count(k) > 1})
            if dupes:
                raise ValueError(f"duplicate {what}: {', '.join(dupes)}")
        return self

    def model_post_init(self, context: object, /) -> None:
        """Index products by SKU once."""
        self._by_sku = {p.sku: p for p in self.products}

    def product(self, sku: str) -> ProductInfo | None:
        """Return the product with `sku`, or None."""
        return self._by_sku.get(sku)

    def products_by_sku(self) -> Mapping[str, ProductInfo]:
        """Read-only view of the SKU index (one attribute lookup instead of one per line)."""
        return MappingProxyType(self._by_sku)


# ---------------------------------------------------------------- request inputs


class RegistrationStatus(StrEnum):
    """Deal-registration status; only APPROVED (and unexpired) earns the discount."""

    APPROVED = "approved"
    PENDING = "pending"
    REJECTED = "rejected"
    NONE = "none"


class PartnerContext(_Frozen):
    """Who buys, in which currency, and for which end customer."""

    partner_id: str = Field(min_length=1)
    program: str = ""
    tier: str = ""
    distributor_id: str | None = None
    currency: CurrencyCode
    country: str = ""
    customer_segment: str = ""
    end_customer_id: str | None = None
    end_customer_country: str = ""


class DealContext(_Frozen):
    """A deal registration / opportunity; scope empty on both fields means all products."""

    deal_id: str = Field(min_length=1)
    registration_status: RegistrationStatus = RegistrationStatus.NONE
    expires_on: date | None = None
    end_customer_id: str | None = None
    scope_skus: Names = ()
    scope_categories: Names = ()
    discount_percent: Percent = Decimal(0)
    stage: str = ""


class CartLine(_Frozen):
    """One requested line; a special price OR an extra discount may be requested (step 6)."""

    sku: str = Field(min_length=1)
    quantity: int = Field(ge=1, le=10_000_000)
    line_id: str | None = None
    requested_unit_price: Amount | None = None
    requested_discount_percent: Percent | None = None
    approved_below_floor: bool = False
    """Set only when an approval lets this line's net go below its floor."""

    @model_validator(mode="after")
    def _one_request(self) -> Self:
        if self.requested_unit_price is not None and self.requested_discount_percent is not None:
            raise ValueError("set requested_unit_price or requested_discount_percent, not both")
        return self


class HeaderDiscount(_Frozen):
    """A quote-level discount, percent of the net or an amount, spread pro rata over lines."""

    percent: Percent | None = None
    amount: Amount | None = None
    reason: str = ""

    @model_validator(mode="after")
    def _one_kind(self) -> Self:
        _exactly_one(self, "percent", "amount")
        return self


def _some_lines(lines: tuple[CartLine, ...]) -> tuple[CartLine, ...]:
    # An after-validator, not min_length: it runs only when every line validated, so a cart
    # whose one line is invalid reports that line's problem, not also "no lines".
    if not lines:
        raise ValueError("a cart needs at least one line; add a line with a sku and a quantity")
    return lines


class PricingRequest(_Frozen):
    """Everything `price_cart` needs apart from the rule set and the pricing date."""

    catalog: Catalog
    partner: PartnerContext
    deal: DealContext | None = None
    lines: Annotated[tuple[CartLine, ...], AfterValidator(_some_lines)]
    header_discount: HeaderDiscount | None = None


# ---------------------------------------------------------------- outputs


class PricingStep(StrEnum):
    """Names of the waterfall steps as they appear in traces and `discounts_by_step`."""

    LIST = "list_price"
    BUY = "buy_price"
    DISTRIBUTOR = "distributor_terms"
    DEAL = "deal_registration"
    VOLUME = "volume_break"
    RULE = "promotion_rule"
    SPECIAL = "special_price"
    FLOOR = "floor_guard"
    ROUNDING = "rounding"
    HEADER = "header_discount"


def _jsonable(value: object) -> object:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, StrEnum):
        return value.value
    if isinstance(value, date):
        return value.isoformat()
    if hasattr(value, "to_jsonable"):
        return value.to_jsonable()
    if isinstance(value, tuple | list):
        return [_jsonable(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return value


class _Out:
    __slots__ = ()

    def to_jsonable(self) -> dict[str, object]:
        """Return plain JSON-ready data; Decimals become strings, nothing is lost."""
        return {n: _jsonable(getattr(self, n)) for n in self.__dataclass_fields__}  # type: ignore[attr-defined]


class TraceStep(NamedTuple):
    """One waterfall step of a line: unit amount before and after, and why.

    A NamedTuple (immutable) because a line makes several and this is the hot path.
    """

    step: PricingStep
    before: Decimal
    after: Decimal
    reason: str
    rule: str | None = None
    rate: Decimal | None = None

    def to_jsonable(self) -> dict[str, object]:
        """Return plain JSON-ready data; Decimals become strings."""
        # Spelled out: a checkout serialises every step of every line.
        return {
            "step": self.step.value,
            "before": str(self.before),
            "after": str(self.after),
            "reason": self.reason,
            "rule": self.rule,
            "rate": None if self.rate is None else str(self.rate),
        }


class PricedLine(NamedTuple):
    """A priced cart line. Unit amounts before `unit_net` keep full Decimal precision.

    A NamedTuple (immutable, cheap to build) like TraceStep; read it by attribute name.
    """

    line_no: int
    line_id: str | None
    sku: str
    quantity: int
    unit_list: Decimal
    unit_buy: Decimal
    unit_net: Decimal
    """Rounded once to the currency's minor units. A slab line's is extended_net / quantity,
    rounded, for display: its extended_net is authoritative."""
    extended_list: Decimal
    extended_net: Decimal
    """unit_net x quantity, before the header discount; for a slab line the exact sum of its
    bands, each band's units x its own rounded unit net."""
    header_discount: Decimal
    line_total: Decimal
    """extended_net - header_discount: what this line adds to the quote's net total."""
    discount_percent: Decimal
    """(unit_list - unit_net) / unit_list x 100, rounded to 2 places."""
    extra_discount_percent: Decimal
    """Discount beyond the partner's buy price: (unit_buy - line_total / quantity) / unit_buy x 100,
    header share included, 2 places; 0 when unit_buy is 0. Negative when the net is above buy."""
    floor_price: Decimal | None
    floor_breached: bool
    """The waterfall went below the floor; without approval the net was raised to it."""
    floor_approved: bool
    """The line is priced below its floor because `approved_below_floor` was given."""
    discounts_by_step: Mapping[str, Decimal]
    """Money each step took off this line (rounding and the header share included):
    extended_list - sum(discounts_by_step) == line_total exactly."""
    trace: tuple[TraceStep, ...]

    def to_jsonable(self) -> dict[str, object]:
        """Return plain JSON-ready data; Decimals become strings."""
        return {k: _jsonable(v) for k, v in self._asdict().items()}


@dataclass(frozen=True, slots=True)
class QuoteTotals(_Out):
    """Quote totals; list_total - sum(discounts_by_step) == net_total exactly.

    Each step's discount is the sum of the lines' (`PricedLine.discounts_by_step`); `rounding`
    is what rounding unit nets changed, at most half a minor unit per unit of quantity.
    """

    currency: str
    list_total: Decimal
    buy_total: Decimal
    """Partner's standard buy price (after steps 2 and distributor terms) x quantity."""
    discounts_by_step: Mapping[str, Decimal]
    net_total: Decimal
    margin: Decimal
    """net_total - buy_total: what the quote keeps above (or, negative, gives below) buy."""
    margin_percent: Decimal | None
    """margin / net_total x 100 (2 places); None when net_total is 0."""
    max_line_discount_percent: Decimal
    """Largest line `discount_percent` (off list)."""
    max_line_extra_discount_percent: Decimal
    """Largest line `extra_discount_percent` (beyond the partner's buy price)."""
    floor_breaches: int
    """Lines whose waterfall went below the floor (approved or not)."""


@dataclass(frozen=True, slots=True)
class PricingResult(_Out):
    """Priced lines and totals for one request, in the request currency."""

    currency: str
    priced_on: date
    lines: tuple[PricedLine, ...]
    totals: QuoteTotals
    rules_fingerprint: str
    """content hash of the rule set used ('' when none)."""
    needs_floor_approval: bool = field(default=False)
    """True when a line wanted to go below its floor and has no approval yet."""

    def content_hash(self) -> str:
        """Deterministic SHA-256 of the priced content (lines, traces, totals, currency)."""
        return content_hash(self)


def content_hash(result: PricingResult) -> str:
    """Return a SHA-256 hex digest of `result`'s priced content; approvals bind to it.

    The date priced on and the rule fingerprint are excluded: only what the customer is
    offered counts, so re-pricing the same content on another day gives the same hash.
    """
    data = result.to_jsonable()
    data.pop("priced_on", None)
    data.pop("rules_fingerprint", None)
    blob = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(blob.encode()).hexdigest()
