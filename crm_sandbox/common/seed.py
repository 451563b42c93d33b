"""Deterministic seed world shared by both sandboxes: partners, customers, contacts, products, deals.

Each sandbox maps this neutral world onto its own object shapes, so the demo and the tests see the
same companies and SKUs whichever CRM they talk to. Every stamp lies in the past, as in a real org.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

PRODUCT_FAMILIES = ("Platform", "Security", "Analytics", "Support")
STAGES = (
    "Prospecting",
    "Qualification",
    "Needs Analysis",
    "Proposal/Price Quote",
    "Negotiation/Review",
    "Closed Won",
    "Closed Lost",
)
COUNTRIES = ("US", "GB", "DE", "FR", "JP", "BH", "CA", "AU")
_WORDS = [
    "Acme",
    "Apex",
    "Blue",
    "Bright",
    "Cedar",
    "Delta",
    "Echo",
    "Falcon",
    "Granite",
    "Harbor",
    "Iris",
    "Juniper",
    "Kite",
    "Lumen",
    "Maple",
    "Nimbus",
    "Orbit",
    "Pine",
    "Quartz",
    "River",
    "Summit",
    "Tidal",
    "Umber",
    "Vertex",
    "Willow",
    "Xenon",
    "Yarrow",
    "Zephyr",
]


@dataclass
class SeedCompany:
    """A company: a reseller, a distributor or an end customer."""

    key: str
    name: str
    kind: str  # "reseller" | "distributor" | "customer"
    domain: str
    country: str
    tier: str | None
    modified: datetime


@dataclass
class SeedContact:
    """A person at a company."""

    key: str
    company_key: str
    first_name: str
    last_name: str
    email: str
    modified: datetime


@dataclass
class SeedProduct:
    """A catalog product with its USD list price."""

    sku: str
    name: str
    family: str
    list_price: Decimal
    subscription: bool
    modified: datetime


@dataclass
class SeedLine:
    """A deal line item."""

    sku: str
    quantity: int
    unit_price: Decimal


@dataclass
class SeedDeal:
    """An opportunity / deal, possibly a deal registration, possibly flagged for a quote."""

    key: str
    name: str
    customer_key: str
    partner_key: str | None
    stage: str
    amount: Decimal
    close_date: date
    is_registration: bool
    registration_status: str | None
    quote_requested: bool
    modified: datetime
    lines: list[SeedLine] = field(default_factory=list)


@dataclass
class SeedWorld:
    """Everything a sandbox starts with."""

    companies: list[SeedCompany]
    contacts: list[SeedContact]
    products: list[SeedProduct]
    deals: list[SeedDeal]


def generate(seed: int = 1, records: int = 50, now: datetime | None = None) -> SeedWorld:
    """Build a deterministic world; ``records`` is the number of deals (other counts scale from it)."""
    rnd = random.Random(seed)
    anchor = (now or datetime.now(UTC)).replace(microsecond=0) - timedelta(days=1)

    def stamp() -> datetime:
        return anchor - timedelta(
            seconds=rnd.randint(0, 86_400 * 90), milliseconds=rnd.randint(0, 999)
        )

    def company_name(i: int) -> str:
        return f"{rnd.choice(_WORDS)} {rnd.choice(_WORDS)} {i}"

    n_partners = max(3, records // 20)
    n_customers = max(5, records // 4)
    companies: list[SeedCompany] = []
    for i in range(n_partners):
        kind = "distributor" if i % 5 == 4 else "reseller"
        name = company_name(i) + (" Distribution" if kind == "distributor" else " Partners")
        companies.append(
            SeedCompany(
                f"P{i:05d}",
                name,
                kind,
                f"partner{i}.example.com",
                rnd.choice(COUNTRIES),
                rnd.choice(("Gold", "Silver", "Registered")),
                stamp(),
            )
        )
    for i in range(n_customers):
        companies.append(
            SeedCompany(
                f"C{i:05d}",
                company_name(i) + " Inc",
                "customer",
                f"customer{i}.example.org",
                rnd.choice(COUNTRIES),
                None,
                stamp(),
            )
        )
    contacts = [
        SeedContact(
            f"K{i:05d}",
            c.key,
            rnd.choice(("Ana", "Ben", "Chen", "Dara", "Eli")),
            rnd.choice(("Ito", "Jones", "Khan", "Lopez", "Meyer")),
            f"buyer{i}@{c.domain}",
            stamp(),
        )
        for i, c in enumerate(companies)
    ]
    products = [
        SeedProduct(
            f"CS-{fam[:3].upper()}-{n:03d}",
            f"{fam} {'Subscription' if n % 2 else 'License'} {n}",
            fam,
            Decimal(rnd.randint(50, 5000)) + Decimal("0.00"),
            n % 2 == 1,
            stamp(),
        )
        for fam in PRODUCT_FAMILIES
        for n in range(1, 4)
    ]
    partners = [c for c in companies if c.kind != "customer"]
    customers = [c for c in companies if c.kind == "customer"]
    deals: list[SeedDeal] = []
    for i in range(records):
        lines = [
            SeedLine(p.sku, rnd.randint(1, 50), p.list_price)
            for p in rnd.sample(products, rnd.randint(1, 3))
        ]
        is_reg = i % 3 == 0
        deals.append(
            SeedDeal(
                key=f"D{i:06d}",
                name=f"Deal {i:06d}",
                customer_key=rnd.choice(customers).key,
                partner_key=rnd.choice(partners).key if i % 4 else None,
                stage=rnd.choice(STAGES),
                amount=sum((ln.unit_price * ln.quantity for ln in lines), Decimal("0.00")),
                close_date=anchor.date() + timedelta(days=rnd.randint(-30, 120)),
                is_registration=is_reg,
                registration_status=rnd.choice(("Pending", "Approved", "Rejected"))
                if is_reg
                else None,
                quote_requested=i % 5 == 0,
                modified=stamp(),
                lines=lines,
            )
        )
    return SeedWorld(companies, contacts, products, deals)
