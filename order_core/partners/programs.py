"""Partner programs and program memberships (with start / end dates)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from sqlmodel import Session, col, or_, select

from order_core.actors import Actor, require_vendor
from order_core.audit import diff, record_audit
from order_core.errors import ConflictError, NotFoundError, invalid
from order_core.partners.models import Program, ProgramMembership
from order_core.partners.services import load_partner
from order_core.tx import transactional
from order_core.types import utcnow

CUSTOMER_INFO_FIELDS = frozenset(
    {"name", "email", "domain", "phone", "country", "region", "city", "address", "postal_code"}
)


def _today() -> date:
    return utcnow().date()


def _check_required_fields(code: str, fields: Iterable[str]) -> str:
    names = [f.strip() for f in fields if f.strip()]
    unknown = sorted(set(names) - CUSTOMER_INFO_FIELDS)
    if unknown:
        raise invalid(
            f"program {code}",
            "required_customer_fields",
            f"unknown field(s) {unknown}; use any of {sorted(CUSTOMER_INFO_FIELDS)}",
        )
    return ",".join(dict.fromkeys(names))


@transactional
def create_program(
    code: str,
    name: str,
    *,
    session: Session,
    actor: Actor,
    customer_info_required: bool = False,
    required_customer_fields: Iterable[str] = ("name", "email", "country"),
) -> Program:
    """Create a partner program (vendor admin); the code must be new."""
    require_vendor(actor, action="create programs")
    if not code.strip():
        raise invalid("program", "code", "is empty; give a short code such as RESELLER")
    if session.exec(select(Program).where(Program.code == code)).first() is not None:
        raise ConflictError(f"program {code} already exists; pick another code or update it")
    program = Program(
        code=code,
        name=name,
        customer_info_required=customer_info_required,
        required_customer_fields=_check_required_fields(code, required_customer_fields),
    )
    session.add(program)
    session.flush()
    record_audit(session, actor, "create", "program", program.id, program.model_dump())
    return program


@transactional
def update_program(
    program_id: int,
    *,
    session: Session,
    actor: Actor,
    name: str | None = None,
    customer_info_required: bool | None = None,
    required_customer_fields: Iterable[str] | None = None,
    active: bool | None = None,
) -> Program:
    """Change a program's name, customer-info rule or active flag (vendor admin)."""
    require_vendor(actor, action="update programs")
    program = get_program(program_id, session=session, actor=actor)
    before = program.model_dump()
    if name is not None:
        program.name = name
    if customer_info_required is not None:
        program.customer_info_required = customer_info_required
    if required_customer_fields is not None:
        program.required_customer_fields = _check_required_fields(
            program.code, required_customer_fields
        )
    if active is not None:
        program.active = active
    changes = diff(before, program.model_dump())
    if changes:
        session.add(program)
        record_audit(session, actor, "update", "program", program.id, changes)
    return program


@transactional
def get_program(program_id: int, *, session: Session, actor: Actor) -> Program:
    """One program (programs are vendor configuration every actor may read)."""
    program = session.get(Program, program_id)
    if program is None:
        raise NotFoundError(f"program {program_id} not found")
    return program


def get_program_by_code(session: Session, code: str) -> Program | None:
    """The program with this code, or None."""
    return session.exec(select(Program).where(Program.code == code)).first()


@transactional
def list_programs(*, session: Session, actor: Actor) -> list[Program]:
    """Every program, by code."""
    return list(session.exec(select(Program).order_by(col(Program.code))))


@transactional
def add_membership(
    partner_id: int,
    program_id: int,
    *,
    session: Session,
    actor: Actor,
    starts_on: date | None = None,
    ends_on: date | None = None,
) -> ProgramMembership:
    """Enrol a partner in a program from ``starts_on`` (default today) until ``ends_on`` (open when None)."""
    require_vendor(actor, action="change program memberships")
    load_partner(session, actor, partner_id)
    get_program(program_id, session=session, actor=actor)
    start = starts_on or _today()
    if ends_on is not None and ends_on < start:
        raise invalid(
            f"membership of partner {partner_id}", "ends_on", "is before starts_on; swap them"
        )
    overlapping = session.exec(
        select(ProgramMembership).where(
            ProgramMembership.partner_id == partner_id,
            ProgramMembership.program_id == program_id,
            or_(col(ProgramMembership.ends_on).is_(None), col(ProgramMembership.ends_on) >= start),
        )
    ).all()
    for other in overlapping:
        if ends_on is None or other.starts_on <= ends_on:
            raise ConflictError(
                f"partner {partner_id} is already in program {program_id} from {other.starts_on}; "
                "end that membership first"
            )
    membership = ProgramMembership(
        partner_id=partner_id, program_id=program_id, starts_on=start, ends_on=ends_on
    )
    session.add(membership)
    session.flush()
    record_audit(
        session,
        actor,
        "add_membership",
        "partner",
        partner_id,
        membership.model_dump(),
        partner_id=partner_id,
    )
    return membership


@transactional
def end_membership(
    membership_id: int, ends_on: date, *, session: Session, actor: Actor
) -> ProgramMembership:
    """End a membership on ``ends_on`` (the history stays)."""
    require_vendor(actor, action="change program memberships")
    membership = session.get(ProgramMembership, membership_id)
    if membership is None:
        raise NotFoundError(f"program membership {membership_id} not found")
    if ends_on < membership.starts_on:
        raise invalid(
            f"membership {membership_id}", "ends_on", f"is before starts_on {membership.starts_on}"
        )
    old = membership.ends_on
    membership.ends_on = ends_on
    session.add(membership)
    record_audit(
        session,
        actor,
        "end_membership",
        "partner",
        membership.partner_id,
        {"membership_id": membership_id, "ends_on": [old and old.isoformat(), ends_on.isoformat()]},
        partner_id=membership.partner_id,
    )
    return membership


@transactional
def list_memberships(partner_id: int, *, session: Session, actor: Actor) -> list[ProgramMembership]:
    """A partner's memberships, current and past, oldest first."""
    load_partner(session, actor, partner_id)
    stmt = (
        select(ProgramMembership)
        .where(ProgramMembership.partner_id == partner_id)
        .order_by(col(ProgramMembership.starts_on), col(ProgramMembership.id))
    )
    return list(session.exec(stmt))


def active_programs(session: Session, partner_id: int, on: date | None = None) -> list[Program]:
    """The active programs a partner is a member of on ``on`` (default today); no access check."""
    day = on or _today()
    stmt = (
        select(Program)
        .join(ProgramMembership, col(ProgramMembership.program_id) == col(Program.id))
        .where(
            ProgramMembership.partner_id == partner_id,
            col(ProgramMembership.starts_on) <= day,
            or_(col(ProgramMembership.ends_on).is_(None), col(ProgramMembership.ends_on) >= day),
            col(Program.active).is_(True),
        )
        .order_by(col(Program.code))
    )
    return list(session.exec(stmt).unique())
