"""Load a catalog file (YAML: programs, products, partners, buy prices, authorization, customers,
resellers' price books, vendor users).

One transaction: every problem is collected with its line and nothing is written unless the whole
file loads. Loading the same file twice leaves the same state (records are matched by program
code, SKU, partner name, buyer email and the customer dedupe keys). See
``channelsync/sample_data/catalog.yaml`` for the format.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from sqlalchemy import func
from sqlmodel import Session, select

from order_core.actors import Actor, require_vendor
from order_core.audit import AuditEntry
from order_core.catalog import loader_specs as specs
from order_core.catalog.loader_apply import Applier
from order_core.catalog.loader_sales import apply_vendor_user, read_vendor_users
from order_core.catalog.yaml_reader import Reader, compose
from order_core.errors import DomainError, ValidationFailed
from order_core.tx import transactional

T = TypeVar("T")


@dataclass(frozen=True)
class LoadResult:
    """How many records of each kind the file holds, and how many changes (audit entries) loading made."""

    programs: int
    products: int
    partners: int
    buyers: int
    buy_prices: int
    rules: int
    customers: int
    changes: int
    vendor_users: int = 0


@transactional
def load_catalog(
    text: str,
    *,
    session: Session,
    actor: Actor,
    source: str = "catalog",
    base_dir: Path | None = None,
) -> LoadResult:
    """Load catalog YAML text as one transaction; ValidationFailed lists every problem with its line.

    Files the catalog names (logos) are read relative to ``base_dir`` (default: the working directory).
    """
    require_vendor(actor, action="load a catalog")
    root = compose(text, source)
    reader = Reader(source)
    top = reader.mapping(root, "file", specs.TOP_KEYS) if root is not None else {}
    spec = specs.CatalogSpec(
        specs.read_programs(reader, (top or {}).get("programs")),
        specs.read_products(reader, (top or {}).get("products")),
        specs.read_partners(reader, (top or {}).get("partners"), base_dir or Path()),
        specs.read_buy_prices(reader, (top or {}).get("buy_prices")),
        specs.read_rules(reader, (top or {}).get("authorization")),
        specs.read_customers(reader, (top or {}).get("customers")),
        vendor_users=read_vendor_users(reader, (top or {}).get("vendor_users")),
    )
    if reader.problems:
        raise ValidationFailed(
            f"{source}: {len(reader.problems)} problem(s); nothing was loaded", reader.problems
        )
    count = select(func.count()).select_from(AuditEntry)
    before = session.exec(count).one()
    loader = Applier(session, actor)
    loader.prefetch()
    for user in spec.vendor_users:
        apply_vendor_user(loader, user)
    for program in spec.programs:
        loader.program(program)
    for product in spec.products:
        loader.product(product)
    for partner in spec.partners:
        loader.partner(partner)
    for partner in spec.partners:
        loader.links(partner)
    for bp in spec.buy_prices:
        loader.buy_price(bp)
    for rule in spec.rules:
        loader.rule(rule)
    for customer in spec.customers:
        loader.customer(customer)
    if loader.problems:
        raise ValidationFailed(
            f"{source}: {len(loader.problems)} problem(s); nothing was loaded", loader.problems
        )
    session.flush()
    return LoadResult(
        len(spec.programs),
        len(spec.products),
        len(spec.partners),
        sum(len(p.buyers) for p in spec.partners),
        len(spec.buy_prices),
        len(spec.rules),
        len(spec.customers),
        session.exec(count).one() - before,
        len(spec.vendor_users),
    )


def load_catalog_file(path: Path | str, *, session: Session, actor: Actor) -> LoadResult:
    """Load a catalog YAML file (see ``load_catalog``); problems name the file and line."""
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as exc:
        raise DomainError(
            f"cannot read catalog file {file}: {exc.strerror}; check the path"
        ) from None
    return load_catalog(text, session=session, actor=actor, source=file.name, base_dir=file.parent)
