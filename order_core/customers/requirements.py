"""The end-customer information a partner's programs require: one check for orders and imports alike."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date

from sqlmodel import Session

from order_core.customers.models import EndCustomer
from order_core.errors import Problem, ValidationFailed
from order_core.partners.models import Program
from order_core.partners.programs import active_programs

Required = Mapping[str, Sequence[str]]
"""``{program code: [fields]}``: the customer fields each program requires."""


def required_customer_fields(
    session: Session, partner_id: int, on: date | None = None
) -> dict[str, list[str]]:
    """``{program code: [fields]}`` of the partner's active programs that require customer info."""
    return fields_required_by(active_programs(session, partner_id, on))


def fields_required_by(programs: Iterable[Program]) -> dict[str, list[str]]:
    """``{program code: [fields]}`` of those ``programs`` that require end-customer info."""
    return {
        p.code: [f for f in p.required_customer_fields.split(",") if f]
        for p in programs
        if p.customer_info_required
    }


def missing_customer_info(
    record: str, value_of: Callable[[str], object], required: Required
) -> list[Problem]:
    """One problem per required field that ``value_of(field)`` leaves empty, naming its program."""
    problems: list[Problem] = []
    seen: set[str] = set()
    for code, fields in sorted(required.items()):
        for field in fields:
            value = value_of(field)
            if (value is None or str(value).strip() == "") and field not in seen:
                seen.add(field)
                problems.append(
                    Problem(record, field, f"is required by program {code}; fill it in first")
                )
    return problems


def check_customer_info(
    session: Session,
    partner_id: int,
    customer: EndCustomer | None,
    *,
    on: date | None = None,
    required: Required | None = None,
) -> None:
    """Refuse an order whose end customer lacks fields a program of the partner requires.

    Raises ValidationFailed listing every missing field and the program requiring it.
    ``required`` is ``required_customer_fields`` when the caller already knows it.
    """
    if required is None:
        required = required_customer_fields(session, partner_id, on)
    if not required:
        return
    record = f"end customer {customer.name}" if customer is not None else "end customer"
    problems = missing_customer_info(record, lambda field: getattr(customer, field, None), required)
    if problems:
        raise ValidationFailed(
            f"{record} lacks information partner {partner_id}'s program requires on orders",
            problems,
        )
