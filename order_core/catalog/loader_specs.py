"""The catalog file's records as typed values (each with its line), read from YAML nodes."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path

from yaml.nodes import Node

from order_core.catalog.loader_sales import (
    PartnerSalesSpec,
    VendorUserSpec,
    read_partner_sales,
    read_resale_limits,
)
from order_core.catalog.yaml_reader import Reader
from order_core.customers.fields import CUSTOMER_FIELDS


@dataclass
class ProgramSpec:
    """A program entry."""

    at: str
    code: str
    name: str
    customer_info_required: bool
    required_customer_fields: list[str] | None
    resale_limits: tuple[Decimal | None, Decimal | None] | None = None


@dataclass
class ProductSpec:
    """A product entry with its list prices."""

    at: str
    sku: str
    values: dict[str, object]
    list_prices: dict[str, tuple[str, Decimal]]


@dataclass
class MembershipSpec:
    """A partner's program membership."""

    at: str
    code: str
    starts_on: date | None
    ends_on: date | None


@dataclass
class BuyerSpec:
    """An authorized buyer entry."""

    at: str
    email: str
    name: str
    role: str
    spending_limit: Decimal | None


@dataclass
class PartnerSpec:
    """A partner entry with memberships, CRM ids, distributors, branding and buyers."""

    at: str
    name: str
    values: dict[str, str]
    memberships: list[MembershipSpec] = field(default_factory=list)
    crm: dict[str, tuple[str, str]] = field(default_factory=dict)
    distributors: list[tuple[str, str, bool, Decimal | None]] = field(default_factory=list)
    branding: dict[str, str | None] | None = None
    buyers: list[BuyerSpec] = field(default_factory=list)
    sales: PartnerSalesSpec = field(default_factory=PartnerSalesSpec)


@dataclass
class BuyPriceSpec:
    """A buy price entry (scope by program / tier / SKU / currency)."""

    at: str
    program: str | None
    tier: str | None
    sku: str | None
    currency: str | None
    fixed_price: Decimal | None
    percent_off: Decimal | None


@dataclass
class RuleSpec:
    """One allow / deny rule of an authorization entry."""

    at: str
    program: str | None
    partner: str | None
    effect: str
    scope: str
    value: str


@dataclass
class CustomerSpec:
    """An end customer entry with the partners it is associated with."""

    at: str
    values: dict[str, str | None]
    partners: list[str]


@dataclass
class CatalogSpec:
    """Everything a catalog file holds."""

    programs: list[ProgramSpec] = field(default_factory=list)
    products: list[ProductSpec] = field(default_factory=list)
    partners: list[PartnerSpec] = field(default_factory=list)
    buy_prices: list[BuyPriceSpec] = field(default_factory=list)
    rules: list[RuleSpec] = field(default_factory=list)
    customers: list[CustomerSpec] = field(default_factory=list)
    vendor_users: list[VendorUserSpec] = field(default_factory=list)


TOP_KEYS = (
    "programs", "products", "partners", "buy_prices", "authorization", "customers", "vendor_users",
)  # fmt: skip
_PRODUCT_KEYS = (
    "sku", "name", "category", "group", "kind", "term_months", "license_type", "active",
    "list_prices",
)  # fmt: skip
_PARTNER_KEYS = (
    "name", "kind", "tier", "country", "currency", "locale", "programs", "crm", "distributors",
    "branding", "buyers", "details", "price_book",
)  # fmt: skip
_BRANDING_KEYS = ("display_name", "logo_url", "primary_color", "secondary_color", "footer_text")


def read_programs(r: Reader, node: Node | None) -> list[ProgramSpec]:
    """The ``programs`` list."""
    specs: list[ProgramSpec] = []
    for item in r.sequence(node, "programs"):
        m = r.mapping(
            item,
            "program",
            ("code", "name", "customer_info_required", "required_customer_fields", "resale_limits"),
            ("code", "name"),
        )
        if m is None:
            continue
        required = (
            r.texts(m["required_customer_fields"], "required_customer_fields")
            if "required_customer_fields" in m
            else None
        )
        specs.append(
            ProgramSpec(
                r.where(item),
                r.text(m.get("code"), "code") or "",
                r.text(m.get("name"), "name") or "",
                r.boolean(m.get("customer_info_required"), "customer_info_required", False),
                required,
                read_resale_limits(r, m["resale_limits"]) if "resale_limits" in m else None,
            )
        )
    return specs


def read_products(r: Reader, node: Node | None) -> list[ProductSpec]:
    """The ``products`` list."""
    specs: list[ProductSpec] = []
    for item in r.sequence(node, "products"):
        m = r.mapping(item, "product", _PRODUCT_KEYS, ("sku", "name"))
        if m is None:
            continue
        values: dict[str, object] = {
            "name": r.text(m.get("name"), "name") or "",
            "category": r.text(m.get("category"), "category", ""),
            "product_group": r.text(m.get("group"), "group", ""),
            "kind": r.text(m.get("kind"), "kind", "perpetual"),
            "term_months": r.integer(m.get("term_months"), "term_months"),
            "license_type": r.text(m.get("license_type"), "license_type"),
            "active": r.boolean(m.get("active"), "active", True),
        }
        prices: dict[str, tuple[str, Decimal]] = {}
        if "list_prices" in m:
            pm = r.mapping(m["list_prices"], "list_prices", _currency_keys(m["list_prices"]))
            for currency, price_node in (pm or {}).items():
                field = f"list_prices.{currency}"
                amount = r.decimal(price_node, field)
                if r.is_null(price_node):
                    r.bad(price_node, field, "needs an amount")
                if amount is not None and r.money(price_node, field, amount, currency):
                    prices[currency] = (r.where(price_node), amount)
        specs.append(ProductSpec(r.where(item), r.text(m.get("sku"), "sku") or "", values, prices))
    return specs


def _currency_keys(node: Node) -> list[str]:
    value = node.value if isinstance(node.value, list) else []
    return [str(k.value) for k, _ in value]


def read_partners(r: Reader, node: Node | None, base_dir: Path) -> list[PartnerSpec]:
    """The ``partners`` list (a branding ``logo_file`` is read relative to ``base_dir``)."""
    specs: list[PartnerSpec] = []
    for item in r.sequence(node, "partners"):
        m = r.mapping(item, "partner", _PARTNER_KEYS, ("name",))
        if m is None:
            continue
        values = {
            k: v
            for k in ("kind", "tier", "country", "currency", "locale")
            if (v := r.text(m.get(k), k))
        }
        spec = PartnerSpec(r.where(item), r.text(m.get("name"), "name") or "", values)
        for p in r.sequence(m.get("programs"), "programs"):
            pm = r.mapping(p, "programs", ("code", "starts_on", "ends_on"), ("code",))
            if pm is not None:
                spec.memberships.append(
                    MembershipSpec(
                        r.where(p),
                        r.text(pm.get("code"), "code") or "",
                        r.day(pm.get("starts_on"), "starts_on"),
                        r.day(pm.get("ends_on"), "ends_on"),
                    )
                )
        if "crm" in m:
            cm = r.mapping(m["crm"], "crm", _currency_keys(m["crm"]))
            for source, id_node in (cm or {}).items():
                spec.crm[source] = (r.where(id_node), r.text(id_node, f"crm.{source}") or "")
        for d in r.sequence(m.get("distributors"), "distributors"):
            dm = r.mapping(d, "distributors", ("name", "default", "terms_percent_off"), ("name",))
            if dm is not None:
                spec.distributors.append(
                    (
                        r.where(d),
                        r.text(dm.get("name"), "name") or "",
                        r.boolean(dm.get("default"), "default", True),
                        r.decimal(dm.get("terms_percent_off"), "terms_percent_off"),
                    )
                )
        bm = None
        if "branding" in m:
            keys = (*_BRANDING_KEYS, "logo_file")
            bm = r.mapping(m["branding"], "branding", keys, ("display_name",))
            if bm is not None:
                spec.branding = {k: r.text(bm.get(k), k) for k in _BRANDING_KEYS if k in bm}
        spec.sales = read_partner_sales(r, m, bm, base_dir)
        for b in r.sequence(m.get("buyers"), "buyers"):
            bm = r.mapping(
                b, "buyers", ("email", "name", "role", "spending_limit"), ("email", "name")
            )
            if bm is not None:
                spec.buyers.append(
                    BuyerSpec(
                        r.where(b),
                        r.text(bm.get("email"), "email") or "",
                        r.text(bm.get("name"), "name") or "",
                        r.text(bm.get("role"), "role", "buyer") or "buyer",
                        r.decimal(bm.get("spending_limit"), "spending_limit"),
                    )
                )
        specs.append(spec)
    return specs


def read_buy_prices(r: Reader, node: Node | None) -> list[BuyPriceSpec]:
    """The ``buy_prices`` list."""
    specs: list[BuyPriceSpec] = []
    keys = ("program", "tier", "sku", "currency", "fixed_price", "percent_off")
    for item in r.sequence(node, "buy_prices"):
        m = r.mapping(item, "buy_price", keys)
        if m is not None:
            currency = r.text(m.get("currency"), "currency")
            fixed = r.decimal(m.get("fixed_price"), "fixed_price")
            if fixed is not None and not r.money(m["fixed_price"], "fixed_price", fixed, currency):
                continue
            specs.append(
                BuyPriceSpec(
                    r.where(item),
                    r.text(m.get("program"), "program"),
                    r.text(m.get("tier"), "tier"),
                    r.text(m.get("sku"), "sku"),
                    currency,
                    fixed,
                    r.decimal(m.get("percent_off"), "percent_off"),
                )
            )
    return specs


def read_rules(r: Reader, node: Node | None) -> list[RuleSpec]:
    """The ``authorization`` list: per program or partner, ``allow`` / ``deny`` by all / category / group / sku."""
    specs: list[RuleSpec] = []
    for item in r.sequence(node, "authorization"):
        m = r.mapping(item, "authorization", ("program", "partner", "allow", "deny"))
        if m is None:
            continue
        program, partner = r.text(m.get("program"), "program"), r.text(m.get("partner"), "partner")
        if (program is None) == (partner is None):
            r.bad(item, "authorization.program", "give exactly one of program or partner")
        for effect in ("allow", "deny"):
            if effect not in m:
                continue
            em = r.mapping(m[effect], effect, ("all", "category", "group", "sku")) or {}
            if r.boolean(em.get("all"), f"{effect}.all", False):
                specs.append(RuleSpec(r.where(em["all"]), program, partner, effect, "all", ""))
            for scope in ("category", "group", "sku"):
                for value_node in r.sequence(em.get(scope), f"{effect}.{scope}"):
                    value = r.text(value_node, f"{effect}.{scope}") or ""
                    specs.append(
                        RuleSpec(r.where(value_node), program, partner, effect, scope, value)
                    )
    return specs


def read_customers(r: Reader, node: Node | None) -> list[CustomerSpec]:
    """The ``customers`` list."""
    specs: list[CustomerSpec] = []
    for item in r.sequence(node, "customers"):
        m = r.mapping(item, "customer", (*CUSTOMER_FIELDS, "partners"), ("name",))
        if m is not None:
            values = {k: r.text(m.get(k), k) for k in CUSTOMER_FIELDS if k in m}
            specs.append(
                CustomerSpec(r.where(item), values, r.texts(m.get("partners"), "partners"))
            )
    return specs
