"""Deal field names and value checks shared by the upsert and core-side edits."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal

from order_core.errors import Problem
from order_core.money import currency_problem

# Values a mapping may set; ``crm_modified_at`` and ``deleted_in_crm`` are sync bookkeeping the
# CRM always writes, whatever it owns.
DEAL_FIELDS = (
    "kind",
    "partner_id",
    "end_customer_id",
    "name",
    "stage",
    "amount",
    "currency",
    "close_date",
    "registration_status",
    "registration_expires_on",
    "registration_discount_percent",
    "registration_scope",
    "quote_requested",
    "crm_modified_at",
    "deleted_in_crm",
)
SYNC_FIELDS = frozenset({"crm_modified_at", "deleted_in_crm"})
REGISTRATION_STATUSES = ("pending", "approved", "rejected", "expired")
KINDS = ("opportunity", "registration")
_TYPES: dict[str, tuple[type, ...]] = {
    "kind": (str,),
    "partner_id": (int,),
    "end_customer_id": (int,),
    "name": (str,),
    "stage": (str,),
    "amount": (Decimal,),
    "currency": (str,),
    "close_date": (date,),
    "registration_status": (str,),
    "registration_expires_on": (date,),
    "registration_discount_percent": (Decimal,),
    "registration_scope": (str,),
    "quote_requested": (bool,),
    "crm_modified_at": (datetime,),
    "deleted_in_crm": (bool,),
}
_NOT_NULL = frozenset(
    {"kind", "name", "stage", "currency", "registration_scope", "quote_requested", "deleted_in_crm"}
)


def check_deal_values(record: str, values: Mapping[str, object]) -> list[Problem]:
    """Every problem with a deal's values: unknown field, wrong type, or a value out of range."""
    problems: list[Problem] = []
    for name, value in values.items():
        if name not in _TYPES:
            problems.append(
                Problem(record, name, f"unknown deal field; use any of {list(DEAL_FIELDS)}")
            )
            continue
        if value is None:
            if name in _NOT_NULL:
                problems.append(Problem(record, name, "may not be empty"))
            continue
        kinds = _TYPES[name]
        wrong_bool = isinstance(value, bool) and bool not in kinds
        is_date_only = name in ("close_date", "registration_expires_on") and isinstance(
            value, datetime
        )
        if not isinstance(value, kinds) or wrong_bool or is_date_only:
            expected = " or ".join(k.__name__ for k in kinds)
            problems.append(Problem(record, name, f"{value!r} is not a {expected}"))
            continue
        if name == "registration_status" and value not in REGISTRATION_STATUSES:
            problems.append(
                Problem(record, name, f"{value!r}: use one of {list(REGISTRATION_STATUSES)}")
            )
        if name == "kind" and value not in KINDS:
            problems.append(Problem(record, name, f"{value!r}: use one of {list(KINDS)}"))
        if name == "currency" and (problem := currency_problem(record, value, name)) is not None:
            problems.append(problem)
        if name == "crm_modified_at" and isinstance(value, datetime) and value.tzinfo is None:
            problems.append(Problem(record, name, "is a naive time; pass a timezone-aware one"))
        if name == "name" and not str(value).strip():
            problems.append(Problem(record, name, "may not be empty"))
    return problems
