"""Resellers' price books: how each reseller sets its resale prices, per SKU, category or everything.

The reseller's admin (or vendor admin) keeps them; quotes read them with ``price_book_of``
(no access check) and price the end customer's side through ``quote_engine.resale``.
"""

from __future__ import annotations

from decimal import Decimal

from pydantic import ValidationError
from sqlmodel import Session, col, select

from order_core.actors import Actor, require_partner_access, require_partner_role
from order_core.audit import record_audit
from order_core.catalog.models import Product, ResalePrice, ResaleRounding
from order_core.errors import NotFoundError, Problem, ValidationFailed, invalid
from order_core.money import check_amount, check_currency
from order_core.partners.models import Partner
from order_core.tx import transactional
from quote_engine.money import quantum
from quote_engine.resale import ResaleMethod, ResalePriceBook, ResaleRule

SCOPES = ("all", "category", "sku")


def _reseller(session: Session, actor: Actor, partner_id: int, action: str) -> Partner:
    require_partner_role(actor, partner_id, "admin", action=action)
    partner = session.get(Partner, partner_id)
    if partner is None:
        raise NotFoundError(f"partner {partner_id} not found")
    if partner.kind != "reseller":
        raise invalid(
            f"price book of {partner.name}", "partner", "only resellers sell to end customers"
        )
    return partner


def _check_scope(session: Session, where: str, scope: str, value: str) -> None:
    if scope not in SCOPES:
        raise invalid(where, "scope", f"{scope!r} is not one of {list(SCOPES)}")
    if scope == "all":
        if value:
            raise invalid(where, "value", "scope all takes no value")
        return
    column = col(Product.sku) if scope == "sku" else col(Product.category)
    if session.exec(select(Product.id).where(column == value)).first() is None:
        known = sorted({str(v) for v in session.exec(select(column).distinct()) if v})
        raise invalid(
            where, scope, f"{value!r} is not a {scope} of the catalog; known: {known[:20]}"
        )


def _rule(where: str, method: str, percent: Decimal | None) -> ResaleRule:
    try:
        return ResaleRule(method=ResaleMethod(method), percent=percent)
    except ValueError as exc:
        reason = exc.errors()[0]["msg"] if isinstance(exc, ValidationError) else str(exc)
        raise invalid(where, "method", reason.removeprefix("Value error, ")) from None


@transactional
def set_resale_price(
    partner_id: int,
    *,
    session: Session,
    actor: Actor,
    scope: str,
    value: str = "",
    method: str,
    percent: Decimal | None = None,
) -> ResalePrice:
    """Create or change one price book entry: ``method`` list, markup (percent on buy) or discount."""
    partner = _reseller(session, actor, partner_id, "change resale prices")
    where = f"resale price of {partner.name} for {scope} {value}".rstrip()
    _check_scope(session, where, scope, value)
    if percent is not None:
        check_amount(where, "percent", percent)
    rule = _rule(where, method, percent)
    entry = session.exec(
        select(ResalePrice).where(
            ResalePrice.partner_id == partner_id,
            ResalePrice.scope == scope,
            ResalePrice.value == value,
        )
    ).first()
    before = (entry.method, entry.percent) if entry is not None else (None, None)
    if entry is None:
        entry = ResalePrice(partner_id=partner_id, scope=scope, value=value, method=method)
    entry.method, entry.percent = rule.method.value, rule.percent
    session.add(entry)
    session.flush()
    if before != (entry.method, entry.percent):
        changes: dict[str, object] = {
            "scope": scope,
            "value": value,
            "method": [before[0], entry.method],
            "percent": [before[1], entry.percent],
        }
        record_audit(
            session,
            actor,
            "set_resale_price",
            "partner",
            partner_id,
            changes,
            partner_id=partner_id,
        )
    return entry


@transactional
def remove_resale_price(
    partner_id: int, *, session: Session, actor: Actor, scope: str, value: str = ""
) -> None:
    """Remove one price book entry (its products fall back to the next rule, or the list price)."""
    partner = _reseller(session, actor, partner_id, "change resale prices")
    entry = session.exec(
        select(ResalePrice).where(
            ResalePrice.partner_id == partner_id,
            ResalePrice.scope == scope,
            ResalePrice.value == value,
        )
    ).first()
    if entry is None:
        raise NotFoundError(
            f"resale price of {partner.name} for {scope} {value} not found".rstrip()
        )
    session.delete(entry)
    record_audit(
        session,
        actor,
        "remove_resale_price",
        "partner",
        partner_id,
        {"scope": scope, "value": value},
        partner_id=partner_id,
    )


@transactional
def set_resale_rounding(
    partner_id: int, currency: str, step: Decimal, *, session: Session, actor: Actor
) -> ResaleRounding:
    """Round the reseller's resale prices in ``currency`` to multiples of ``step`` (e.g. JPY 100)."""
    partner = _reseller(session, actor, partner_id, "change resale prices")
    where = f"resale rounding of {partner.name}"
    code = check_currency(where, currency)
    check_amount(where, "step", step, code)
    if step <= 0:
        raise invalid(where, "step", f"{step} must be above 0, e.g. {quantum(code)}")
    entry = session.exec(
        select(ResaleRounding).where(
            ResaleRounding.partner_id == partner_id, ResaleRounding.currency == code
        )
    ).first()
    old = entry.step if entry is not None else None
    if entry is None:
        entry = ResaleRounding(partner_id=partner_id, currency=code, step=step)
    entry.step = step
    session.add(entry)
    session.flush()
    if old != step:
        record_audit(
            session,
            actor,
            "set_resale_rounding",
            "partner",
            partner_id,
            {"currency": code, "step": [old, step]},
            partner_id=partner_id,
        )
    return entry


def price_book_of(session: Session, partner_id: int) -> ResalePriceBook:
    """The reseller's price book as quote_engine prices with it (no access check: for pricing)."""
    entries = session.exec(
        select(ResalePrice)
        .where(ResalePrice.partner_id == partner_id)
        .order_by(col(ResalePrice.id))
    )
    rules = tuple(
        ResaleRule(
            sku=e.value if e.scope == "sku" else None,
            category=e.value if e.scope == "category" else None,
            method=ResaleMethod(e.method),
            percent=e.percent,
        )
        for e in entries
    )
    steps = session.exec(select(ResaleRounding).where(ResaleRounding.partner_id == partner_id))
    try:
        return ResalePriceBook(rules=rules, rounding={s.currency: s.step for s in steps})
    except ValidationError as exc:  # rows written around the services
        problems = [
            Problem(f"price book of partner {partner_id}", "-", e["msg"]) for e in exc.errors()
        ]
        raise ValidationFailed(
            f"price book of partner {partner_id} is not valid", problems
        ) from None


@transactional
def resale_price_book(
    partner_id: int, *, session: Session, actor: Actor
) -> tuple[list[ResalePrice], list[ResaleRounding]]:
    """A reseller's price book entries and rounding steps (the reseller's own users and the vendor)."""
    require_partner_access(actor, partner_id, what=f"partner {partner_id}")
    entries = session.exec(
        select(ResalePrice)
        .where(ResalePrice.partner_id == partner_id)
        .order_by(col(ResalePrice.id))
    )
    steps = session.exec(
        select(ResaleRounding)
        .where(ResaleRounding.partner_id == partner_id)
        .order_by(col(ResaleRounding.currency))
    )
    return list(entries), list(steps)
