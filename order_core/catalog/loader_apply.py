"""Applying a parsed catalog file through the services, record by record, matching existing records."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TypeVar

from sqlmodel import Session, col, select

from order_core.actors import Actor
from order_core.catalog import loader_specs as specs
from order_core.catalog.authorization import add_authorization_rule
from order_core.catalog.buy_prices import set_buy_price
from order_core.catalog.loader_sales import apply_partner_sales, apply_resale_limits
from order_core.catalog.models import Product
from order_core.catalog.products import create_product, set_list_price, update_product
from order_core.customers.associations import associate_customer, is_associated
from order_core.customers.dedupe import find_duplicate
from order_core.customers.fields import clean_values
from order_core.customers.services import create_customer, update_customer
from order_core.errors import DomainError, Problem, ValidationFailed
from order_core.partners.branding import set_branding
from order_core.partners.buyers import add_buyer, update_buyer
from order_core.partners.models import Buyer, Partner, Program, ProgramMembership
from order_core.partners.programs import (
    add_membership,
    create_program,
    end_membership,
    update_program,
)
from order_core.partners.services import (
    create_partner,
    link_distributor,
    set_crm_ref,
    update_partner,
)

T = TypeVar("T")


class Applier:
    """Applies a parsed catalog through the services, collecting problems with their lines."""

    def __init__(self, session: Session, actor: Actor) -> None:
        self.s, self.actor = session, actor
        self.problems: list[Problem] = []
        self.programs: dict[str, int] = {}
        self.products: dict[str, int] = {}
        self.partners: dict[str, int] = {}

    def attempt(self, at: str, call: Callable[[], T]) -> T | None:
        """Run one service call; a domain error becomes a Problem at ``at``."""
        try:
            return call()
        except ValidationFailed as exc:
            self.problems.extend(Problem(at, p.field, p.reason) for p in exc.problems)
        except DomainError as exc:
            self.problems.append(Problem(at, "-", exc.message))
        return None

    def ref(self, table: dict[str, int], kind: str, key: str | None, at: str) -> int | None:
        """The id of a named program / product / partner, or a Problem when it is unknown."""
        if key is None:
            return None
        if key not in table:
            self.problems.append(
                Problem(at, kind, f"{key!r} is not defined in the file or the database")
            )
            return None
        return table[key]

    def prefetch(self) -> None:
        """Index existing programs (code), products (SKU) and partners (name)."""
        self.programs = {p.code: p.id for p in self.s.exec(select(Program)) if p.id is not None}
        self.products = {p.sku: p.id for p in self.s.exec(select(Product)) if p.id is not None}
        for p in self.s.exec(select(Partner).order_by(col(Partner.id))):
            if p.id is not None:
                self.partners.setdefault(p.name, p.id)

    def program(self, spec: specs.ProgramSpec) -> None:
        """Create or update a program."""
        fields = spec.required_customer_fields
        if spec.code in self.programs:
            if spec.resale_limits is not None:
                apply_resale_limits(self, spec.at, self.programs[spec.code], spec.resale_limits)
            self.attempt(
                spec.at,
                lambda: update_program(
                    self.programs[spec.code],
                    session=self.s,
                    actor=self.actor,
                    name=spec.name,
                    customer_info_required=spec.customer_info_required,
                    required_customer_fields=fields,
                ),
            )
            return
        made = self.attempt(
            spec.at,
            lambda: create_program(
                spec.code,
                spec.name,
                session=self.s,
                actor=self.actor,
                customer_info_required=spec.customer_info_required,
                required_customer_fields=fields
                if fields is not None
                else ("name", "email", "country"),
            ),
        )
        if made is not None and made.id is not None:
            self.programs[spec.code] = made.id
            if spec.resale_limits is not None:
                apply_resale_limits(self, spec.at, made.id, spec.resale_limits)

    def product(self, spec: specs.ProductSpec) -> None:
        """Create or update a product and set its list prices."""
        if spec.sku in self.products:
            self.attempt(
                spec.at,
                lambda: update_product(
                    self.products[spec.sku], spec.values, session=self.s, actor=self.actor
                ),
            )
        else:
            v = spec.values
            made = self.attempt(
                spec.at,
                lambda: create_product(
                    spec.sku,
                    str(v["name"]),
                    session=self.s,
                    actor=self.actor,
                    category=str(v["category"]),
                    product_group=str(v["product_group"]),
                    kind=str(v["kind"]),
                    term_months=v["term_months"] if isinstance(v["term_months"], int) else None,
                    license_type=v["license_type"] if isinstance(v["license_type"], str) else None,
                    active=bool(v["active"]),
                ),
            )
            if made is None or made.id is None:
                return
            self.products[spec.sku] = made.id
        product_id = self.products[spec.sku]
        for currency, (at, amount) in spec.list_prices.items():
            self.attempt(
                at,
                partial(
                    set_list_price, product_id, currency, amount, session=self.s, actor=self.actor
                ),
            )

    def partner(self, spec: specs.PartnerSpec) -> None:
        """Create or update a partner with memberships, CRM ids, branding and buyers."""
        pid = self.partners.get(spec.name)
        if pid is not None:
            edit = partial(update_partner, pid, dict(spec.values), session=self.s, actor=self.actor)
            self.attempt(spec.at, edit)
        else:
            made = self.attempt(
                spec.at,
                lambda: create_partner(spec.name, session=self.s, actor=self.actor, **spec.values),
            )
            if made is None or made.id is None:
                return
            pid = self.partners[spec.name] = made.id
        for m in spec.memberships:
            self.membership(pid, m)
        for source, (at, crm_id) in spec.crm.items():
            ref = partial(set_crm_ref, pid, source, crm_id, session=self.s, actor=self.actor)
            self.attempt(at, ref)
        if spec.branding is not None:
            b = spec.branding
            self.attempt(
                spec.at,
                lambda: set_branding(
                    pid,
                    session=self.s,
                    actor=self.actor,
                    display_name=b.get("display_name") or "",
                    logo_url=b.get("logo_url"),
                    primary_color=b.get("primary_color") or "#1F3A93",
                    secondary_color=b.get("secondary_color") or "#F5F7FA",
                    footer_text=b.get("footer_text"),
                    logo=spec.sales.logo,
                ),
            )
        apply_partner_sales(self, spec.at, pid, spec.sales)
        for buyer in spec.buyers:
            self.buyer(pid, buyer)

    def membership(self, partner_id: int, m: specs.MembershipSpec) -> None:
        """Add a membership unless the same one exists; end it when the file gives an end date."""
        program_id = self.ref(self.programs, "programs.code", m.code, m.at)
        if program_id is None:
            return
        existing = self.s.exec(
            select(ProgramMembership).where(
                ProgramMembership.partner_id == partner_id,
                ProgramMembership.program_id == program_id,
            )
        ).all()
        same = [
            e
            for e in existing
            if (m.starts_on is None and e.ends_on is None) or e.starts_on == m.starts_on
        ]
        if not same:
            self.attempt(
                m.at,
                lambda: add_membership(
                    partner_id,
                    program_id,
                    session=self.s,
                    actor=self.actor,
                    starts_on=m.starts_on,
                    ends_on=m.ends_on,
                ),
            )
        elif m.ends_on is not None and same[0].ends_on != m.ends_on and same[0].id is not None:
            mid, end = same[0].id, m.ends_on
            self.attempt(m.at, lambda: end_membership(mid, end, session=self.s, actor=self.actor))

    def buyer(self, partner_id: int, b: specs.BuyerSpec) -> None:
        """Create or update an authorized buyer (matched by email)."""
        found = self.s.exec(
            select(Buyer).where(Buyer.partner_id == partner_id, Buyer.email == b.email.lower())
        ).first()
        if found is not None and found.id is not None:
            bid = found.id
            self.attempt(
                b.at,
                lambda: update_buyer(
                    bid,
                    session=self.s,
                    actor=self.actor,
                    name=b.name,
                    role=b.role,
                    spending_limit=b.spending_limit,
                ),
            )
        else:
            self.attempt(
                b.at,
                lambda: add_buyer(
                    partner_id,
                    b.email,
                    b.name,
                    session=self.s,
                    actor=self.actor,
                    role=b.role,
                    spending_limit=b.spending_limit,
                ),
            )

    def links(self, spec: specs.PartnerSpec) -> None:
        """Link a reseller to its distributors (after every partner exists)."""
        pid = self.partners.get(spec.name)
        for at, name, default, terms in spec.distributors:
            did = self.ref(self.partners, "distributors.name", name, at)
            if pid is not None and did is not None:
                link = partial(
                    link_distributor,
                    pid,
                    did,
                    session=self.s,
                    actor=self.actor,
                    is_default=default,
                    terms_percent_off=terms,
                )
                self.attempt(at, link)

    def buy_price(self, bp: specs.BuyPriceSpec) -> None:
        """Set one buy price."""
        program_id = self.ref(self.programs, "program", bp.program, bp.at)
        product_id = self.ref(self.products, "sku", bp.sku, bp.at)
        if (bp.program and program_id is None) or (bp.sku and product_id is None):
            return
        self.attempt(
            bp.at,
            lambda: set_buy_price(
                session=self.s,
                actor=self.actor,
                program_id=program_id,
                tier=bp.tier,
                product_id=product_id,
                currency=bp.currency,
                fixed_price=bp.fixed_price,
                percent_off=bp.percent_off,
            ),
        )

    def rule(self, rule: specs.RuleSpec) -> None:
        """Add one authorization rule."""
        program_id = self.ref(self.programs, "program", rule.program, rule.at)
        partner_id = self.ref(self.partners, "partner", rule.partner, rule.at)
        if program_id is None and partner_id is None:
            return
        self.attempt(
            rule.at,
            lambda: add_authorization_rule(
                session=self.s,
                actor=self.actor,
                effect=rule.effect,
                scope=rule.scope,
                value=rule.value,
                program_id=program_id,
                partner_id=partner_id,
            ),
        )

    def customer(self, c: specs.CustomerSpec) -> None:
        """Create or update an end customer (dedupe keys) and associate its partners."""
        partner_ids = [self.ref(self.partners, "partners", name, c.at) for name in c.partners]
        existing = find_duplicate(self.s, clean_values(c.values))
        if existing is not None and existing.id is not None:
            cid = existing.id
            changed = self.attempt(
                c.at, lambda: update_customer(cid, c.values, session=self.s, actor=self.actor)
            )
        else:
            made = self.attempt(
                c.at, lambda: create_customer(c.values, session=self.s, actor=self.actor)
            )
            changed = made[0] if made is not None else None
        if changed is None or changed.id is None:
            return
        for pid in partner_ids:
            if pid is not None and not is_associated(self.s, changed.id, pid):
                associate_customer(self.s, changed.id, pid, "catalog", actor=self.actor)
