"""The core records a mapping can feed, and the type of each of their fields.

A mapping file names a target and sets its fields; this table says which fields exist, what kind of
value each takes and which are references to another target (resolved by CRM id in the core).
It is the mapping's side of the contract with ``order_core.sync``, which checks the same values again.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Kind = Literal["str", "decimal", "int", "bool", "date", "datetime", "ref", "country", "currency"]


@dataclass(frozen=True)
class TargetField:
    """One field of a target record."""

    kind: Kind
    max_length: int | None = None
    choices: tuple[str, ...] = ()
    ref: str | None = None  # the target a "ref" field points at
    required: bool = False  # a new record needs it
    scale: int | None = None  # decimal places the core keeps (more would be rounded: refused)


def _s(max_length: int, *, required: bool = False, choices: tuple[str, ...] = ()) -> TargetField:
    return TargetField("str", max_length=max_length, required=required, choices=choices)


COUNTRY = TargetField("country", max_length=2)
CURRENCY = TargetField("currency", max_length=3)
#: The core keeps money and quantities to 8 decimal places (NUMERIC(24, 8)) on every database.
DECIMAL = TargetField("decimal", scale=8)
DATE = TargetField("date")
BOOL = TargetField("bool")

TARGETS: dict[str, dict[str, TargetField]] = {
    "partner": {
        "name": _s(200, required=True),
        "kind": _s(20, choices=("reseller", "distributor")),
        "tier": _s(40),
        "country": COUNTRY,
        "currency": CURRENCY,
        "locale": _s(20),
        "active": BOOL,
        "program": _s(40),  # a program code: the partner becomes a member of it
    },
    "end_customer": {
        "name": _s(200, required=True),
        "email": _s(254),
        "domain": _s(200),
        "phone": _s(40),
        "country": COUNTRY,
        "region": _s(80),
        "city": _s(120),
        "address": _s(400),
        "postal_code": _s(20),
        "segment": _s(40),
    },
    "buyer": {
        "partner": TargetField("ref", ref="partner", required=True),
        "email": _s(254, required=True),
        "name": _s(200, required=True),
        "role": _s(20, choices=("buyer", "approver", "admin")),
        "spending_limit": DECIMAL,
        "active": BOOL,
    },
    "deal": {
        "name": _s(255, required=True),
        "kind": _s(20, choices=("opportunity", "registration")),
        "partner": TargetField("ref", ref="partner"),
        "end_customer": TargetField("ref", ref="end_customer"),
        "stage": _s(80),
        "amount": DECIMAL,
        "currency": CURRENCY,
        "close_date": DATE,
        "registration_status": _s(12, choices=("pending", "approved", "rejected", "expired")),
        "registration_expires_on": DATE,
        "registration_discount_percent": DECIMAL,
        "registration_scope": _s(2000),
        "quote_requested": BOOL,
    },
    "deal_line": {
        "deal": TargetField("ref", ref="deal", required=True),
        "sku": _s(64, required=True),
        "quantity": TargetField("decimal", required=True, scale=8),
        "unit_price": DECIMAL,
        "discount_percent": DECIMAL,
        "position": TargetField("int"),
        "description": _s(2000),
    },
}
#: The order a pull applies targets in, parents first, so references resolve.
TARGET_ORDER = ("partner", "end_customer", "buyer", "deal", "deal_line")
