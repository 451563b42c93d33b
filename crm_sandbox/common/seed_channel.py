"""The channel side of the seed world: partner tiers, contacts' channel roles, registration terms
and line discounts, the values the shipped mappings (``mappings/*.yaml``) read besides names.

Everything is drawn from the caller's seeded ``random.Random``, so a seed always gives the same
values. The values are the CRM-neutral ones (``Platinum``, ``Expired``, ``Buyer``); each sandbox
writes them in its own CRM's spelling.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

TIERS = ("Platinum", "Gold", "Silver", "Registered")
REGISTRATION_STATUSES = ("Pending", "Approved", "Rejected", "Expired")
CHANNEL_ROLES = ("Buyer", "Approver", "Admin")
CENT = Decimal("0.01")


@dataclass(frozen=True)
class RegistrationTerms:
    """What a deal registration grants: its status, discount, expiry and the products it covers."""

    status: str
    discount_percent: Decimal
    expires_on: date
    scope: str  # comma-separated SKUs and product families, e.g. "CS-PLA-001,Security"


def tiers(rnd: random.Random, count: int) -> list[str]:
    """Tiers for ``count`` partners: the first four take every tier once (shuffled), so a world
    with four partners or more has all of them; the rest are drawn at random."""
    first = rnd.sample(TIERS, len(TIERS))
    return [first[i] if i < len(first) else rnd.choice(TIERS) for i in range(count)]


def partner_roles(rnd: random.Random, count: int) -> list[str | None]:
    """Channel roles of a partner's ``count`` contacts: the first always has one (a partner can
    buy), the others may have none (they never become buyers)."""
    return [rnd.choice(CHANNEL_ROLES)] + [
        rnd.choice((*CHANNEL_ROLES, None)) for _ in range(count - 1)
    ]


def registration_terms(
    rnd: random.Random, products: Sequence[tuple[str, str]], today: date
) -> RegistrationTerms:
    """Terms of one registration covering ``products`` (SKU, family) of its deal's lines.

    The discount lies between 5 and 20 percent with up to two decimals. An expired registration
    expired before ``today``; the others expire after it. The scope names each line's SKU or,
    now and then, its whole family.
    """
    status = rnd.choice(REGISTRATION_STATUSES)
    discount = Decimal(rnd.randint(500, 2000)) / 100
    if status == "Expired":
        expires_on = today - timedelta(days=rnd.randint(1, 90))
    else:
        expires_on = today + timedelta(days=rnd.randint(14, 180))
    tokens: list[str] = []
    for sku, family in products:
        token = family if rnd.random() < 0.3 else sku
        if token not in tokens:
            tokens.append(token)
    return RegistrationTerms(status, discount, expires_on, ",".join(tokens))


def line_discount(rnd: random.Random) -> Decimal | None:
    """A line's discount percent (0.5 to 20 in halves), or none for about two lines in five."""
    if rnd.random() < 0.4:
        return None
    return Decimal(rnd.randint(1, 40)) / 2


def line_net(quantity: int, unit_price: Decimal, discount_percent: Decimal | None) -> Decimal:
    """A line's total after its discount, to the cent (as both CRMs compute it)."""
    total = unit_price * quantity
    if discount_percent is not None:
        total = total * (Decimal(100) - discount_percent) / Decimal(100)
    return total.quantize(CENT)
