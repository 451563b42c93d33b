"""Deterministic seed world shared by both sandboxes: partners, customers, contacts, products, deals.

Each sandbox maps this neutral world onto its own object shapes, so the demo and the tests see the
same companies and SKUs whichever CRM they talk to. Every name carries non-ASCII text and every
record a multi-line description with quotes and commas (see ``seed_text``). Every stamp lies at
least a day before ``now`` (the serving time by default), as in a real org.

The world carries every field the shipped mappings read (see ``seed_channel``): partner tiers
(Platinum included), two to four contacts per partner with distinct e-mails and, for most, a
channel role (customers' contacts have none), registration status (Expired included), discount,
expiry and scope, line discounts and positions, and every company's phone and city.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from crm_sandbox.common import seed_text as text
from crm_sandbox.common.seed_channel import (
    RegistrationTerms,
    line_discount,
    line_net,
    partner_roles,
    registration_terms,
    tiers,
)

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
    description: str = ""
    phone: str = ""
    city: str = ""


@dataclass
class SeedContact:
    """A person at a company."""

    key: str
    company_key: str
    first_name: str
    last_name: str
    email: str
    modified: datetime
    description: str = ""
    channel_role: str | None = None  # Buyer | Approver | Admin, partner contacts only


@dataclass
class SeedProduct:
    """A catalog product with its USD list price."""

    sku: str
    name: str
    family: str
    list_price: Decimal
    subscription: bool
    modified: datetime
    description: str = ""


@dataclass
class SeedLine:
    """A deal line item."""

    sku: str
    quantity: int
    unit_price: Decimal
    description: str = ""
    discount_percent: Decimal | None = None
    position: int = 1  # 1 for the deal's first line

    @property
    def net(self) -> Decimal:
        """The line's total after its discount, to the cent."""
        return line_net(self.quantity, self.unit_price, self.discount_percent)


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
    quote_requested: bool
    modified: datetime
    lines: list[SeedLine] = field(default_factory=list)
    description: str = ""
    registration: RegistrationTerms | None = None  # set on registrations

    @property
    def registration_status(self) -> str | None:
        """Pending, Approved, Rejected or Expired for a registration; None otherwise."""
        return self.registration.status if self.registration is not None else None


@dataclass
class SeedWorld:
    """Everything a sandbox starts with."""

    companies: list[SeedCompany]
    contacts: list[SeedContact]
    products: list[SeedProduct]
    deals: list[SeedDeal]


_PROCESS_START = datetime.now(UTC)


def generate(seed: int = 1, records: int = 50, now: datetime | None = None) -> SeedWorld:
    """Build a deterministic world; ``records`` is the number of deals (other counts scale from it).

    Stamps lie between 1 and 91 days before ``now`` (by default the time this process started);
    a ``now`` in the future is refused, since extractors drop or re-read records stamped after the
    present.
    """
    current = datetime.now(UTC)
    if now is not None and now > current:
        raise ValueError(
            f"seed time {now.isoformat()} lies in the future; seed stamps must be past"
        )
    rnd = random.Random(seed)
    # By default the process's start: two sandboxes of one seed made in one process (the demo's,
    # a test's) hold the same stamps, whichever second each was built in.
    anchor = (now or _PROCESS_START).replace(microsecond=0) - timedelta(days=1)

    def stamp() -> datetime:
        return anchor - timedelta(
            seconds=rnd.randint(0, 86_400 * 90), milliseconds=rnd.randint(0, 999)
        )

    def company(
        key: str, i: int, kind: str, suffix: str, domain: str, tier: str | None
    ) -> SeedCompany:
        name = f"{rnd.choice(_WORDS)} {text.intl(rnd, i)} {i}{suffix}"
        country = rnd.choice(COUNTRIES)
        return SeedCompany(
            key,
            name,
            kind,
            domain,
            country,
            tier,
            stamp(),
            text.description(rnd, name),
            phone=text.phone(rnd, country),
            city=text.city(rnd, country),
        )

    n_partners = max(3, records // 20)
    n_customers = max(5, records // 4)
    companies: list[SeedCompany] = []
    for i, tier in enumerate(tiers(rnd, n_partners)):
        kind = "distributor" if i % 5 == 4 else "reseller"
        suffix = " Distribution" if kind == "distributor" else " Partners"
        companies.append(company(f"P{i:05d}", i, kind, suffix, f"partner{i}.example.com", tier))
    for i in range(n_customers):
        companies.append(
            company(f"C{i:05d}", i, "customer", " Inc", f"customer{i}.example.org", None)
        )
    contacts: list[SeedContact] = []
    for c in companies:
        # A partner has several people, most of them with a channel role; a customer has one.
        roles = [None] if c.kind == "customer" else partner_roles(rnd, rnd.randint(2, 4))
        for role in roles:
            n = len(contacts)
            first, last = rnd.choice(text.FIRST_NAMES), text.last_name(rnd, n)
            contacts.append(
                SeedContact(
                    f"K{n:05d}",
                    c.key,
                    first,
                    last,
                    f"{text.mailbox(first, n)}@{c.domain}",  # the number keeps them distinct
                    stamp(),
                    text.description(rnd, f"{first} {last}"),
                    channel_role=role,
                )
            )
    products = []
    for n_fam, fam in enumerate(PRODUCT_FAMILIES):
        for n in range(1, 4):
            name = (
                f"{fam} {'Subscription' if n % 2 else 'License'} {n} · {text.intl(rnd, n_fam + n)}"
            )
            products.append(
                SeedProduct(
                    f"CS-{fam[:3].upper()}-{n:03d}",
                    name,
                    fam,
                    Decimal(rnd.randint(50, 5000)) + Decimal("0.00"),
                    n % 2 == 1,
                    stamp(),
                    text.description(rnd, name),
                )
            )
    partners = [c for c in companies if c.kind != "customer"]
    customers = [c for c in companies if c.kind == "customer"]
    deals: list[SeedDeal] = []
    for i in range(records):
        picked = rnd.sample(products, rnd.randint(1, 3))
        lines = [
            SeedLine(
                p.sku,
                rnd.randint(1, 50),
                p.list_price,
                text.description(rnd, f"{p.sku} line"),
                discount_percent=line_discount(rnd),
                position=pos,
            )
            for pos, p in enumerate(picked, start=1)
        ]
        is_reg = i % 3 == 0
        terms = (
            registration_terms(rnd, [(p.sku, p.family) for p in picked], anchor.date())
            if is_reg
            else None
        )
        name = f"Deal {i:06d} {text.intl(rnd, i)}"
        deals.append(
            SeedDeal(
                key=f"D{i:06d}",
                name=name,
                customer_key=rnd.choice(customers).key,
                partner_key=rnd.choice(partners).key if i % 4 else None,
                stage=rnd.choice(STAGES),
                amount=sum((ln.net for ln in lines), Decimal("0.00")),
                close_date=anchor.date() + timedelta(days=rnd.randint(-30, 120)),
                is_registration=is_reg,
                quote_requested=i % 5 == 0,
                modified=stamp(),
                lines=lines,
                description=text.description(rnd, name),
                registration=terms,
            )
        )
    return SeedWorld(companies, contacts, products, deals)
