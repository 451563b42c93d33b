"""What pricing reads from the catalog for a partner's cart, remembered per catalog stamp.

Two parts, so that any cart of known SKUs is answered without a query: per partner and day
(program, default distributor and its terms, the buy prices that can apply) and per partner, SKU
and day (the product, its list prices, and that the partner may buy it). Rows are kept as
detached copies (``order_core.catalog.snapshot``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlmodel import Session, col, select

from order_core.catalog.authorization import ensure_authorized
from order_core.catalog.buy_prices import applicable_buy_prices
from order_core.catalog.models import BuyPrice, ListPrice, Product
from order_core.catalog.snapshot import detached_copy, remembered, snapshot_values
from order_core.partners.models import DistributorRelation, Partner, Program
from order_core.partners.programs import active_programs
from quote_engine.types import BuyPriceRule, Catalog, DistributorTerms, ProductInfo, ProductKind


@dataclass(frozen=True)
class CatalogInputs:
    """What pricing reads from the catalog for a partner and a set of SKUs on a day."""

    products: dict[str, Product]
    catalog: Catalog
    program: str
    distributor: DistributorRelation | None


@dataclass(frozen=True)
class _PartnerPart:
    program: str
    distributor: DistributorRelation | None
    buy_prices: tuple[BuyPrice, ...]  # those that can apply to the partner, in rule order
    program_codes: dict[int, str]


@dataclass(frozen=True)
class _SkuPart:
    product: Product
    info: ProductInfo


def default_distributor(session: Session, partner_id: int, on: date) -> DistributorRelation | None:
    """The reseller's default distributor relation valid on ``on``, or None."""
    rels = session.exec(
        select(DistributorRelation)
        .where(DistributorRelation.reseller_id == partner_id)
        .order_by(col(DistributorRelation.is_default).desc(), col(DistributorRelation.id))
    )
    for rel in rels:
        if (rel.starts_on is None or rel.starts_on <= on) and (
            rel.ends_on is None or rel.ends_on >= on
        ):
            return rel
    return None


def _partner_part(session: Session, partner_id: int, on: date) -> _PartnerPart:
    def compute() -> _PartnerPart:
        programs = active_programs(session, partner_id, on)
        distributor = default_distributor(session, partner_id, on)
        return _PartnerPart(
            program=programs[0].code if programs else "",
            distributor=detached_copy(distributor) if distributor is not None else None,
            buy_prices=tuple(
                detached_copy(bp) for bp in applicable_buy_prices(session, partner_id)
            ),
            program_codes={p.id: p.code for p in session.exec(select(Program)) if p.id is not None},
        )

    return remembered(session, ("pricing_partner", partner_id, on), compute)


def _sku_parts(
    session: Session, partner_id: int, skus: Sequence[str], on: date
) -> dict[str, _SkuPart]:
    values = snapshot_values(session)
    keys = {sku: ("pricing_sku", partner_id, sku, on) for sku in skus}
    found: dict[str, _SkuPart] = {}
    if values is not None:
        found = {sku: values[key] for sku, key in keys.items() if key in values}
    missing = [sku for sku in skus if sku not in found]
    if missing:
        # One authorization check for every SKU not known yet, so a refusal names all of them.
        products = ensure_authorized(session, partner_id, missing, on=on)
        ids = [p.id for p in products]
        prices: dict[int, dict[str, Decimal]] = {}
        for row in session.exec(select(ListPrice).where(col(ListPrice.product_id).in_(ids))):
            prices.setdefault(row.product_id, {})[row.currency] = row.amount
        for p in products:
            part = _SkuPart(detached_copy(p), _info(p, prices.get(p.id or 0, {})))
            found[p.sku] = part
            if values is not None:
                values[keys[p.sku]] = part
    return found


def _info(p: Product, list_prices: dict[str, Decimal]) -> ProductInfo:
    return ProductInfo(
        sku=p.sku,
        name=p.name,
        category=p.category,
        product_group=p.product_group,
        kind=ProductKind(p.kind) if p.kind in set(ProductKind) else ProductKind.PERPETUAL,
        term_months=p.term_months,
        list_prices=list_prices,
    )


def _rule(bp: BuyPrice, sku: str | None, codes: dict[int, str]) -> BuyPriceRule | None:
    program = codes.get(bp.program_id) if bp.program_id is not None else None
    name = f"buy_price {bp.id}"
    if bp.fixed_price is not None and sku is not None and bp.currency:
        fixed = {bp.currency: bp.fixed_price}
        return BuyPriceRule(name=name, program=program, tier=bp.tier, sku=sku, fixed_prices=fixed)
    if bp.percent_off is not None:
        return BuyPriceRule(
            name=name, program=program, tier=bp.tier, sku=sku, percent_off=bp.percent_off
        )
    return None


def catalog_inputs(
    session: Session, partner: Partner, skus: Sequence[str], on: date
) -> CatalogInputs:
    """Authorize every SKU for ``partner`` on ``on`` and gather the catalog pricing needs.

    ProductNotAuthorized names the SKUs the partner may not buy (a refusal is never remembered).
    """
    assert partner.id is not None
    unique = list(dict.fromkeys(skus))
    parts = _sku_parts(session, partner.id, unique, on)
    common = _partner_part(session, partner.id, on)
    by_id = {part.product.id: sku for sku, part in parts.items()}
    rules = []
    for bp in common.buy_prices:
        if bp.product_id is not None and bp.product_id not in by_id:
            continue
        rule = _rule(
            bp,
            by_id.get(bp.product_id) if bp.product_id is not None else None,
            common.program_codes,
        )
        if rule is not None:
            rules.append(rule)
    terms: tuple[DistributorTerms, ...] = ()
    if common.distributor is not None:
        terms = (
            DistributorTerms(
                distributor_id=str(common.distributor.distributor_id),
                percent_off=common.distributor.terms_percent_off or Decimal(0),
            ),
        )
    catalog = Catalog(
        products=tuple(parts[sku].info for sku in unique if sku in parts),
        buy_price_rules=tuple(rules),
        distributor_terms=terms,
    )
    return CatalogInputs(
        products={sku: parts[sku].product for sku in unique if sku in parts},
        catalog=catalog,
        program=common.program,
        distributor=common.distributor,
    )
