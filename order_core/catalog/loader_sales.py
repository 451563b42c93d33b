"""Catalog file sections for selling to end customers: price books, resale limits, partner details,
logos, the vendor staff directory; read with their lines and applied through the services."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from yaml.nodes import Node

from order_core.catalog.resale_prices import set_resale_price, set_resale_rounding
from order_core.catalog.yaml_reader import Reader
from order_core.partners.details import DETAIL_FIELDS, set_partner_details
from order_core.partners.resale_limits import set_resale_limits
from order_core.staff.services import set_vendor_user

if TYPE_CHECKING:
    from order_core.catalog.loader_apply import Applier

LIMIT_KEYS = ("max_percent_of_list", "min_percent_of_list")
_RULE_KEYS = ("sku", "category", "method", "percent")


@dataclass
class VendorUserSpec:
    """A ``vendor_users`` entry."""

    at: str
    login: str
    name: str
    email: str
    roles: list[str]


@dataclass
class ResaleRuleSpec:
    """One rule of a price book: scope (all, category, sku), value, method and percent."""

    at: str
    scope: str
    value: str
    method: str
    percent: Decimal | None


@dataclass
class PartnerSalesSpec:
    """A partner's ``details``, ``price_book`` and branding ``logo_file`` (read as bytes)."""

    details: dict[str, object] | None = None
    rules: list[ResaleRuleSpec] = field(default_factory=list)
    rounding: dict[str, tuple[str, Decimal]] = field(default_factory=dict)
    logo: bytes | None = None


def read_vendor_users(r: Reader, node: Node | None) -> list[VendorUserSpec]:
    """The ``vendor_users`` list: the vendor's staff, their e-mail addresses and roles."""
    specs: list[VendorUserSpec] = []
    for item in r.sequence(node, "vendor_users"):
        m = r.mapping(item, "vendor_user", ("login", "name", "email", "roles"), ("login", "email"))
        if m is not None:
            login = r.text(m.get("login"), "login") or ""
            specs.append(
                VendorUserSpec(
                    r.where(item),
                    login,
                    r.text(m.get("name"), "name") or login,
                    r.text(m.get("email"), "email") or "",
                    r.texts(m.get("roles"), "roles"),
                )
            )
    return specs


def read_resale_limits(r: Reader, node: Node) -> tuple[Decimal | None, Decimal | None]:
    """A program's ``resale_limits: {max_percent_of_list, min_percent_of_list}``."""
    m = r.mapping(node, "resale_limits", LIMIT_KEYS) or {}
    return (
        r.decimal(m.get("max_percent_of_list"), "max_percent_of_list"),
        r.decimal(m.get("min_percent_of_list"), "min_percent_of_list"),
    )


def _details(r: Reader, node: Node) -> dict[str, object]:
    m = r.mapping(node, "details", DETAIL_FIELDS) or {}
    values: dict[str, object] = {k: r.text(m.get(k), k) for k in DETAIL_FIELDS if k in m}
    if "payment_terms_days" in m:
        values["payment_terms_days"] = r.integer(m["payment_terms_days"], "payment_terms_days")
    return values


def _price_book(r: Reader, node: Node, spec: PartnerSalesSpec) -> None:
    m = r.mapping(node, "price_book", ("rules", "rounding")) or {}
    for item in r.sequence(m.get("rules"), "price_book.rules"):
        rm = r.mapping(item, "price_book.rules", _RULE_KEYS, ("method",))
        if rm is None:
            continue
        sku, category = r.text(rm.get("sku"), "sku"), r.text(rm.get("category"), "category")
        scope = "sku" if sku else "category" if category else "all"
        spec.rules.append(
            ResaleRuleSpec(
                r.where(item),
                scope,
                sku or category or "",
                r.text(rm.get("method"), "method") or "",
                r.decimal(rm.get("percent"), "percent"),
            )
        )
    if "rounding" in m:
        node = m["rounding"]
        keys = [str(k.value) for k, _ in node.value] if isinstance(node.value, list) else []
        for currency, step_node in (r.mapping(node, "price_book.rounding", keys) or {}).items():
            step = r.decimal(step_node, f"price_book.rounding.{currency}")
            if step is not None:
                spec.rounding[currency] = (r.where(step_node), step)


def _logo(r: Reader, node: Node, base_dir: Path) -> bytes | None:
    name = r.text(node, "branding.logo_file")
    if name is None:
        return None
    path = base_dir / name
    try:
        return path.read_bytes()
    except OSError as exc:
        r.bad(node, "branding.logo_file", f"cannot read {path}: {exc.strerror}; check the path")
        return None


def read_partner_sales(
    r: Reader, partner: dict[str, Node], branding: dict[str, Node] | None, base_dir: Path
) -> PartnerSalesSpec:
    """A partner's ``details``, ``price_book`` and ``branding.logo_file`` (relative to the file)."""
    spec = PartnerSalesSpec()
    if "details" in partner:
        spec.details = _details(r, partner["details"])
    if "price_book" in partner:
        _price_book(r, partner["price_book"], spec)
    if branding is not None and "logo_file" in branding:
        spec.logo = _logo(r, branding["logo_file"], base_dir)
    return spec


def apply_vendor_user(loader: Applier, spec: VendorUserSpec) -> None:
    """Add or change one vendor user."""
    loader.attempt(
        spec.at,
        partial(
            set_vendor_user,
            spec.login,
            session=loader.s,
            actor=loader.actor,
            name=spec.name,
            email=spec.email,
            roles=spec.roles,
        ),
    )


def apply_resale_limits(
    loader: Applier, at: str, program_id: int, limits: tuple[Decimal | None, Decimal | None]
) -> None:
    """Set a program's resale cap and floor."""
    high, low = limits
    call = partial(
        set_resale_limits,
        program_id,
        session=loader.s,
        actor=loader.actor,
        max_percent_of_list=high,
        min_percent_of_list=low,
    )
    loader.attempt(at, call)


def apply_partner_sales(loader: Applier, at: str, partner_id: int, spec: PartnerSalesSpec) -> None:
    """Set a partner's details and price book (its rules and rounding steps)."""
    if spec.details is not None:
        details = spec.details
        loader.attempt(
            at,
            partial(set_partner_details, partner_id, details, session=loader.s, actor=loader.actor),
        )
    for rule in spec.rules:
        loader.attempt(
            rule.at,
            partial(
                set_resale_price,
                partner_id,
                session=loader.s,
                actor=loader.actor,
                scope=rule.scope,
                value=rule.value,
                method=rule.method,
                percent=rule.percent,
            ),
        )
    for currency, (where, step) in spec.rounding.items():
        loader.attempt(
            where,
            partial(
                set_resale_rounding,
                partner_id,
                currency,
                step,
                session=loader.s,
                actor=loader.actor,
            ),
        )
