"""Product authorization: which products a partner may buy, and the check quotes and orders call.

Rules come from three levels: the partner itself (per-partner overrides), the programs the partner
is a member of on the day, and global rules (neither program nor partner). The most specific level
with a matching rule decides; within one level an explicit deny beats any allow. A product no rule
allows, or an inactive product, is not authorized.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date

from sqlmodel import Session, col, or_, select

from order_core.actors import Actor, require_partner_access, require_vendor
from order_core.audit import record_audit
from order_core.catalog.models import AuthorizationRule, Product
from order_core.errors import NotFoundError, ProductNotAuthorized, invalid
from order_core.partners.models import Partner
from order_core.partners.programs import active_programs
from order_core.tx import transactional

RULE_SCOPES = ("all", "category", "group", "sku")
RULE_EFFECTS = ("allow", "deny")


def _matches(rule: AuthorizationRule, product: Product) -> bool:
    value = rule.value.strip().casefold()
    if rule.scope == "all":
        return True
    if rule.scope == "category":
        return product.category.casefold() == value
    if rule.scope == "group":
        return product.product_group.casefold() == value
    return product.sku.casefold() == value


def _decide(levels: Sequence[Sequence[AuthorizationRule]], product: Product) -> bool:
    if not product.active:
        return False
    for rules in levels:
        hits = [r.effect for r in rules if _matches(r, product)]
        if "deny" in hits:
            return False
        if "allow" in hits:
            return True
    return False


def _rule_levels(
    session: Session, partner_id: int, on: date | None
) -> list[list[AuthorizationRule]]:
    program_ids = [p.id for p in active_programs(session, partner_id, on)]
    stmt = select(AuthorizationRule).where(
        or_(
            AuthorizationRule.partner_id == partner_id,
            col(AuthorizationRule.program_id).in_(program_ids),
            (col(AuthorizationRule.partner_id).is_(None))
            & (col(AuthorizationRule.program_id).is_(None)),
        )
    )
    rules = list(session.exec(stmt))
    partner_level = [r for r in rules if r.partner_id == partner_id]
    program_level = [r for r in rules if r.partner_id is None and r.program_id is not None]
    global_level = [r for r in rules if r.partner_id is None and r.program_id is None]
    return [partner_level, program_level, global_level]


def _existing_partner(session: Session, partner_id: int) -> Partner:
    partner = session.get(Partner, partner_id)
    if partner is None:
        raise NotFoundError(f"partner {partner_id} not found")
    return partner


def authorized_product_ids(session: Session, partner_id: int, on: date | None = None) -> set[int]:
    """Ids of the products ``partner_id`` may buy on ``on`` (no access check; for other services)."""
    levels = _rule_levels(session, partner_id, on)
    products = session.exec(select(Product).where(col(Product.active).is_(True)))
    return {p.id for p in products if p.id is not None and _decide(levels, p)}


@transactional
def authorized_products(
    partner_id: int, *, session: Session, actor: Actor, on: date | None = None
) -> list[Product]:
    """The products a partner may buy on ``on`` (default today), by SKU; a partner sees only its own."""
    require_partner_access(actor, partner_id, what=f"partner {partner_id}")
    _existing_partner(session, partner_id)
    levels = _rule_levels(session, partner_id, on)
    products = session.exec(
        select(Product).where(col(Product.active).is_(True)).order_by(col(Product.sku))
    )
    return [p for p in products if _decide(levels, p)]


def ensure_authorized(
    session: Session,
    partner_id: int,
    products: Iterable[int | str],
    *,
    on: date | None = None,
) -> list[Product]:
    """Check that a partner may buy every product (ids or SKUs); return them in the order given.

    Raises NotFoundError for an unknown product, and ProductNotAuthorized naming the SKU(s) and the
    partner (or saying the partner is inactive) otherwise. Runs inside the caller's transaction (quotes and orders call it).
    """
    wanted = list(products)
    ids = [p for p in wanted if isinstance(p, int)]
    skus = [p for p in wanted if isinstance(p, str)]
    found: dict[int | str, Product] = {}
    if ids:
        for product in session.exec(select(Product).where(col(Product.id).in_(ids))):
            assert product.id is not None
            found[product.id] = product
    if skus:
        for product in session.exec(select(Product).where(col(Product.sku).in_(skus))):
            found[product.sku] = product
    missing = [str(p) for p in wanted if p not in found]
    if missing:
        raise NotFoundError(f"product(s) {', '.join(missing)} not found in the catalog")
    partner = _existing_partner(session, partner_id)
    if not partner.active:
        raise ProductNotAuthorized(
            f"partner {partner.name} (id {partner_id}) is inactive and may not buy; "
            "ask the channel team to reactivate it"
        )
    levels = _rule_levels(session, partner_id, on)
    refused = sorted({found[p].sku for p in wanted if not _decide(levels, found[p])})
    if refused:
        raise ProductNotAuthorized(
            f"partner {partner.name} (id {partner_id}) is not authorized to buy "
            f"{', '.join(refused)}; ask the channel team to add it to the partner's program "
            "or a per-partner allow rule"
        )
    return [found[p] for p in wanted]


@transactional
def add_authorization_rule(
    *,
    session: Session,
    actor: Actor,
    effect: str,
    scope: str,
    value: str = "",
    program_id: int | None = None,
    partner_id: int | None = None,
) -> AuthorizationRule:
    """Add an allow / deny rule for a program, a partner (override) or everyone (vendor admin)."""
    require_vendor(actor, action="change product authorization")
    where = f"authorization rule {effect} {scope} {value!r}"
    if effect not in RULE_EFFECTS:
        raise invalid(where, "effect", f"must be one of {list(RULE_EFFECTS)}")
    if scope not in RULE_SCOPES:
        raise invalid(where, "scope", f"must be one of {list(RULE_SCOPES)}")
    if scope != "all" and not value.strip():
        raise invalid(where, "value", f"is empty; name the {scope} the rule applies to")
    if program_id is not None and partner_id is not None:
        raise invalid(where, "program_id", "give a program or a partner, not both")
    if partner_id is not None:
        _existing_partner(session, partner_id)
    existing = session.exec(
        select(AuthorizationRule).where(
            AuthorizationRule.program_id == program_id,
            AuthorizationRule.partner_id == partner_id,
            AuthorizationRule.effect == effect,
            AuthorizationRule.scope == scope,
            AuthorizationRule.value == value.strip(),
        )
    ).first()
    if existing is not None:
        return existing
    rule = AuthorizationRule(
        program_id=program_id,
        partner_id=partner_id,
        effect=effect,
        scope=scope,
        value=value.strip(),
    )
    session.add(rule)
    session.flush()
    record_audit(
        session,
        actor,
        "create",
        "authorization_rule",
        rule.id,
        rule.model_dump(),
        partner_id=partner_id,
    )
    return rule


@transactional
def remove_authorization_rule(rule_id: int, *, session: Session, actor: Actor) -> None:
    """Delete an authorization rule (vendor admin); the audit log keeps what it was."""
    require_vendor(actor, action="change product authorization")
    rule = session.get(AuthorizationRule, rule_id)
    if rule is None:
        raise NotFoundError(f"authorization rule {rule_id} not found")
    record_audit(
        session,
        actor,
        "delete",
        "authorization_rule",
        rule_id,
        rule.model_dump(),
        partner_id=rule.partner_id,
    )
    session.delete(rule)


@transactional
def list_authorization_rules(
    *, session: Session, actor: Actor, program_id: int | None = None, partner_id: int | None = None
) -> list[AuthorizationRule]:
    """Rules, optionally of one program or one partner (vendor side only)."""
    require_vendor(actor, action="read authorization rules")
    stmt = select(AuthorizationRule).order_by(col(AuthorizationRule.id))
    if program_id is not None:
        stmt = stmt.where(AuthorizationRule.program_id == program_id)
    if partner_id is not None:
        stmt = stmt.where(AuthorizationRule.partner_id == partner_id)
    return list(session.exec(stmt))
