"""Products and their list prices per currency."""

from __future__ import annotations

from decimal import Decimal

from sqlmodel import Session, col, select

from order_core.actors import Actor, require_vendor
from order_core.audit import record_audit
from order_core.catalog.models import ListPrice, Product
from order_core.edits import apply_edits
from order_core.errors import ConflictError, NotFoundError, Problem, ValidationFailed
from order_core.money import check_amount, check_currency
from order_core.tx import transactional

PRODUCT_KINDS = ("perpetual", "subscription")
LICENSE_TYPES = ("named_user", "device", "site", "concurrent", "server")
_EDITABLE = ("name", "category", "product_group", "kind", "term_months", "license_type", "active")


def _validate(product: Product) -> None:
    where = f"product {product.sku or '?'}"
    problems: list[Problem] = []
    if not product.sku.strip():
        problems.append(Problem(where, "sku", "is empty"))
    if not product.name.strip():
        problems.append(Problem(where, "name", "is empty"))
    if product.kind not in PRODUCT_KINDS:
        problems.append(Problem(where, "kind", f"must be one of {list(PRODUCT_KINDS)}"))
    if product.kind == "subscription" and not (product.term_months and product.term_months > 0):
        problems.append(Problem(where, "term_months", "a subscription needs a term of 1+ months"))
    if product.kind == "perpetual" and product.term_months is not None:
        problems.append(Problem(where, "term_months", "only subscriptions have a term"))
    if product.license_type is not None and product.license_type not in LICENSE_TYPES:
        problems.append(Problem(where, "license_type", f"must be one of {list(LICENSE_TYPES)}"))
    if problems:
        raise ValidationFailed(f"{where} is not valid", problems)


@transactional
def create_product(
    sku: str,
    name: str,
    *,
    session: Session,
    actor: Actor,
    category: str = "",
    product_group: str = "",
    kind: str = "perpetual",
    term_months: int | None = None,
    license_type: str | None = None,
    active: bool = True,
) -> Product:
    """Add a product (vendor admin); the SKU must be new."""
    require_vendor(actor, action="create products")
    product = Product(
        sku=sku.strip(),
        name=name.strip(),
        category=category,
        product_group=product_group,
        kind=kind,
        term_months=term_months,
        license_type=license_type,
        active=active,
    )
    _validate(product)
    if session.exec(select(Product).where(Product.sku == product.sku)).first() is not None:
        raise ConflictError(f"product {product.sku} already exists; update it instead")
    session.add(product)
    session.flush()
    record_audit(session, actor, "create", "product", product.id, product.model_dump())
    return product


@transactional
def update_product(
    product_id: int, changes: dict[str, object], *, session: Session, actor: Actor
) -> Product:
    """Change editable product fields (name, category, product_group, kind, term_months, license_type, active)."""
    require_vendor(actor, action="update products")
    product = session.get(Product, product_id)
    if product is None:
        raise NotFoundError(f"product {product_id} not found")
    delta = apply_edits(
        product, changes, _EDITABLE, label=f"product {product.sku}", validate=_validate
    )
    if delta:
        session.add(product)
        record_audit(session, actor, "update", "product", product.id, delta)
    return product


def get_product_by_sku(session: Session, sku: str) -> Product:
    """The product with this SKU (catalog data, readable by every actor); NotFoundError when unknown."""
    product = session.exec(select(Product).where(Product.sku == sku)).first()
    if product is None:
        raise NotFoundError(f"product {sku} not found in the catalog; check the SKU")
    return product


@transactional
def get_product(product_id: int, *, session: Session, actor: Actor) -> Product:
    """One product by id."""
    product = session.get(Product, product_id)
    if product is None:
        raise NotFoundError(f"product {product_id} not found")
    return product


@transactional
def list_products(
    *, session: Session, actor: Actor, include_inactive: bool = False
) -> list[Product]:
    """The catalog by SKU (partners use ``authorized_products`` for what they may buy)."""
    stmt = select(Product).order_by(col(Product.sku))
    if not include_inactive:
        stmt = stmt.where(col(Product.active).is_(True))
    return list(session.exec(stmt))


@transactional
def set_list_price(
    product_id: int, currency: str, amount: Decimal, *, session: Session, actor: Actor
) -> ListPrice:
    """Set (create or change) the list price of a product in one currency."""
    require_vendor(actor, "pricing_desk", action="set list prices")
    product = session.get(Product, product_id)
    if product is None:
        raise NotFoundError(f"product {product_id} not found")
    where = f"list price of {product.sku}"
    code = check_currency(where, currency)
    check_amount(where, "amount", amount, code)
    price = session.exec(
        select(ListPrice).where(ListPrice.product_id == product_id, ListPrice.currency == code)
    ).first()
    old = price.amount if price is not None else None
    if price is None:
        price = ListPrice(product_id=product_id, currency=code, amount=amount)
    elif price.amount == amount:
        return price
    price.amount = amount
    session.add(price)
    session.flush()
    record_audit(
        session,
        actor,
        "set_list_price",
        "product",
        product_id,
        {f"list_price_{code}": [old, amount]},
    )
    return price


def list_prices_of(session: Session, product_id: int) -> dict[str, Decimal]:
    """A product's list prices as ``{currency: amount}`` (catalog data, no access check)."""
    rows = session.exec(select(ListPrice).where(ListPrice.product_id == product_id))
    return {p.currency: p.amount for p in rows}


@transactional
def list_prices(product_id: int, *, session: Session, actor: Actor) -> dict[str, Decimal]:
    """A product's list prices as ``{currency: amount}``."""
    if session.get(Product, product_id) is None:
        raise NotFoundError(f"product {product_id} not found")
    return list_prices_of(session, product_id)
