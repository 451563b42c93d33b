"""A program's cap and floor on resale prices (percent of list), and the limits a reseller is under."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from pydantic import ValidationError
from sqlmodel import Session

from order_core.actors import Actor, require_vendor
from order_core.audit import diff, record_audit
from order_core.errors import invalid
from order_core.money import check_amount
from order_core.partners.models import Program
from order_core.partners.programs import active_programs, get_program
from order_core.tx import transactional
from quote_engine.resale import ResaleLimits


@transactional
def set_resale_limits(
    program_id: int,
    *,
    session: Session,
    actor: Actor,
    max_percent_of_list: Decimal | None,
    min_percent_of_list: Decimal | None,
) -> Program:
    """Cap (``max``) and floor (``min``) the resale prices of the program's resellers, in percent of
    list; None lifts that limit (vendor admin)."""
    require_vendor(actor, action="set resale limits")
    program = get_program(program_id, session=session, actor=actor)
    where = f"resale limits of program {program.code}"
    for field, value in (
        ("max_percent_of_list", max_percent_of_list),
        ("min_percent_of_list", min_percent_of_list),
    ):
        if value is not None:
            check_amount(where, field, value)
    try:
        ResaleLimits(
            max_percent_of_list=max_percent_of_list, min_percent_of_list=min_percent_of_list
        )
    except ValidationError as exc:
        reason = str(exc.errors()[0]["msg"]).removeprefix("Value error, ")
        raise invalid(where, "max_percent_of_list", reason) from None
    before = program.model_dump()
    program.resale_max_percent_of_list = max_percent_of_list
    program.resale_min_percent_of_list = min_percent_of_list
    changes = diff(before, program.model_dump())
    if changes:
        session.add(program)
        record_audit(session, actor, "set_resale_limits", "program", program.id, changes)
    return program


def resale_limits_of(
    session: Session, partner_id: int, on: date | None = None
) -> ResaleLimits | None:
    """The limits on a reseller's resale prices: the strictest of its active programs' (no access check).

    None when no program sets one. Programs whose cap is below another's floor are refused.
    """
    programs = [
        p
        for p in active_programs(session, partner_id, on)
        if p.resale_max_percent_of_list is not None or p.resale_min_percent_of_list is not None
    ]
    if not programs:
        return None
    caps = [
        p.resale_max_percent_of_list for p in programs if p.resale_max_percent_of_list is not None
    ]
    floors = [
        p.resale_min_percent_of_list for p in programs if p.resale_min_percent_of_list is not None
    ]
    codes = ", ".join(p.code for p in programs)
    try:
        return ResaleLimits(
            max_percent_of_list=min(caps) if caps else None,
            min_percent_of_list=max(floors) if floors else None,
            source=f"program {codes}" if len(programs) == 1 else f"programs {codes}",
        )
    except ValidationError:
        raise invalid(
            f"partner {partner_id}",
            "programs",
            f"the resale cap and floor of programs {codes} contradict each other; "
            "change one program's limits",
        ) from None
