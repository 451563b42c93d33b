"""Partner buy prices: fixed or percent off list, per program and/or tier, stored for the quote engine."""

from __future__ import annotations

from decimal import Decimal

from sqlmodel import Session, col, or_, select

from order_core.actors import Actor, require_partner_access, require_vendor
from order_core.audit import record_audit
from order_core.catalog.models import BuyPrice, Product
from order_core.errors import NotFoundError, invalid
from order_core.money import check_amount, check_currency
from order_core.partners.models import Partner
from order_core.partners.programs import active_programs
from order_core.tx import transactional


@transactional
def set_buy_price(
    *,
    session: Session,
    actor: Actor,
    program_id: int | None = None,
    tier: str | None = None,
    product_id: int | None = None,
    currency: str | None = None,
    fixed_price: Decimal | None = None,
    percent_off: Decimal | None = None,
) -> BuyPrice:
    """Create or change the buy price for one (program, tier, product, currency) scope.

    Give exactly one of ``fixed_price`` (needs a product and a currency) or ``percent_off`` (0-100).
    A None scope field means "any".
    """
    require_vendor(actor, "pricing_desk", action="set buy prices")
    where = f"buy price program={program_id} tier={tier} product={product_id} currency={currency}"
    if (fixed_price is None) == (percent_off is None):
        raise invalid(where, "fixed_price", "give exactly one of fixed_price or percent_off")
    code = check_currency(where, currency) if currency is not None else None
    if fixed_price is not None:
        check_amount(where, "fixed_price", fixed_price, code)
        if product_id is None or currency is None:
            raise invalid(where, "product", "a fixed buy price needs a product and a currency")
    if percent_off is not None:
        check_amount(where, "percent_off", percent_off)
        if percent_off > 100:
            raise invalid(where, "percent_off", f"{percent_off} is over 100")
    if product_id is not None and session.get(Product, product_id) is None:
        raise NotFoundError(f"product {product_id} not found")
    price = session.exec(
        select(BuyPrice).where(
            BuyPrice.program_id == program_id,
            BuyPrice.tier == tier,
            BuyPrice.product_id == product_id,
            BuyPrice.currency == code,
        )
    ).first()
    old = (None, None) if price is None else (price.fixed_price, price.percent_off)
    if old == (fixed_price, percent_off):
        assert price is not None
        return price
    if price is None:
        price = BuyPrice(program_id=program_id, tier=tier, product_id=product_id, currency=code)
    price.fixed_price = fixed_price
    price.percent_off = percent_off
    session.add(price)
    session.flush()
    record_audit(
        session,
        actor,
        "set_buy_price",
        "buy_price",
        price.id,
        {"fixed_price": [old[0], fixed_price], "percent_off": [old[1], percent_off]},
    )
    return price


@transactional
def list_buy_prices(
    *, session: Session, actor: Actor, program_id: int | None = None
) -> list[BuyPrice]:
    """Every buy price, or one program's (vendor side)."""
    require_vendor(actor, "pricing_desk", action="read buy prices")
    stmt = select(BuyPrice).order_by(col(BuyPrice.id))
    if program_id is not None:
        stmt = stmt.where(BuyPrice.program_id == program_id)
    return list(session.exec(stmt))


def applicable_buy_prices(session: Session, partner_id: int) -> list[BuyPrice]:
    """Buy prices that can apply to a partner: its active programs (or any) and its tier (or any).

    No access check (the quote engine's loader calls it inside a checked service).
    """
    partner = session.get(Partner, partner_id)
    if partner is None:
        raise NotFoundError(f"partner {partner_id} not found")
    program_ids = [p.id for p in active_programs(session, partner_id)]
    stmt = (
        select(BuyPrice)
        .where(
            or_(col(BuyPrice.program_id).is_(None), col(BuyPrice.program_id).in_(program_ids)),
            or_(col(BuyPrice.tier).is_(None), BuyPrice.tier == partner.tier),
        )
        .order_by(col(BuyPrice.id))
    )
    return list(session.exec(stmt))


@transactional
def partner_buy_prices(partner_id: int, *, session: Session, actor: Actor) -> list[BuyPrice]:
    """The buy prices that can apply to a partner; a partner actor sees only its own."""
    require_partner_access(actor, partner_id, what=f"partner {partner_id}")
    return applicable_buy_prices(session, partner_id)
