"""Commission services: programs and their tiers, approving and paying a period, a partner's statement."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from sqlmodel import Session, col, select

from order_core.actors import Actor, partner_scope, require_vendor
from order_core.audit import record_audit
from order_core.commissions.models import (
    CommissionPeriod,
    CommissionStatement,
    IncentiveEntry,
    IncentiveProgram,
    IncentiveTier,
)
from order_core.commissions.periods import check_period, open_period
from order_core.commissions.statements import (
    announce_state,
    freeze_amounts,
    period_groups,
    program_terms,
    statement_of,
)
from order_core.commissions.tiers import share_out
from order_core.errors import ConflictError, NotFoundError, Problem, ValidationFailed
from order_core.orders.models import Order
from order_core.partners.models import BrandingProfile, Partner
from order_core.payments.incentive_credit import grant_credit
from order_core.tx import transactional
from order_core.types import utcnow

_CHOICES = {
    "kind": ("renewal_commission", "distributor_commission", "rebate"),
    "base": ("resale", "buy"),
    "accrue_on": ("invoiced", "paid"),
    "tier_mode": ("cumulative", "marginal"),
    "payout": ("cash", "credit"),
}


@transactional
def create_program(
    code: str,
    name: str,
    tiers: Sequence[tuple[Decimal, Decimal]],
    *,
    session: Session,
    actor: Actor,
    kind: str,
    base: str = "buy",
    accrue_on: str = "invoiced",
    tier_mode: str = "cumulative",
    payout: str = "cash",
) -> IncentiveProgram:
    """A new incentive program with its tiers ``(threshold, percent)`` (vendor admin)."""
    require_vendor(actor, "admin", action="create incentive programs")
    record = f"incentive program {code}"
    given = {
        "kind": kind,
        "base": base,
        "accrue_on": accrue_on,
        "tier_mode": tier_mode,
        "payout": payout,
    }
    problems = [
        Problem(record, name_, f"{value!r} is not one of {', '.join(_CHOICES[name_])}")
        for name_, value in given.items()
        if value not in _CHOICES[name_]
    ]
    thresholds = sorted(t for t, _ in tiers)
    if not tiers or thresholds[0] != 0 or len(set(thresholds)) != len(thresholds):
        problems.append(
            Problem(record, "tiers", "give tiers with distinct thresholds, the first at 0")
        )
    if any(p < 0 or p > 100 for _, p in tiers):
        problems.append(Problem(record, "tiers", "percents must be between 0 and 100"))
    if problems:
        raise ValidationFailed(f"{record} is not valid", problems)
    program = IncentiveProgram(
        code=code,
        name=name,
        kind=kind,
        base=base,
        accrue_on=accrue_on,
        tier_mode=tier_mode,
        payout=payout,
    )
    session.add(program)
    session.flush()
    for threshold, percent in tiers:
        session.add(IncentiveTier(program_id=program.id or 0, threshold=threshold, percent=percent))
    record_audit(
        session, actor, "create", "incentive_program", code, {**given, "tiers": list(tiers)}
    )
    return program


def _period(session: Session, period: str, wanted: str) -> CommissionPeriod:
    check_period(period)
    row = open_period(session, period, lock=True)
    if row.state != wanted:
        raise ConflictError(
            f"commission period {period} is {row.state}, not {wanted}; run it first"
        )
    return row


@transactional
def approve_period(period: str, *, session: Session, actor: Actor) -> CommissionPeriod:
    """Approve a run period (vendor finance): amounts are frozen, later changes go to open periods."""
    require_vendor(actor, "finance", action="approve commissions")
    row = _period(session, period, "open")
    if (
        session.exec(
            select(CommissionStatement).where(CommissionStatement.period == period)
        ).first()
        is None
    ):
        raise ConflictError(f"commission period {period} has no statements; run it first")
    frozen = freeze_amounts(session, period, program_terms(session))
    row.state, row.approved_by, row.approved_at = "approved", actor.user, utcnow()
    session.add(row)
    announce_state(session, period, row.state)
    record_audit(session, actor, "approve", "commission_period", period, {"entries": frozen})
    return row


@transactional
def mark_period_paid(period: str, *, session: Session, actor: Actor) -> CommissionPeriod:
    """Mark an approved period's statements paid (vendor finance); credit payouts become spendable."""
    require_vendor(actor, "finance", action="pay commissions")
    row = _period(session, period, "approved")
    row.state, row.paid_at = "paid", utcnow()
    for s in session.exec(select(CommissionStatement).where(CommissionStatement.period == period)):
        grant_credit(session, s.partner_id, s.currency, s.credit, f"grant:{period}:{s.partner_id}:{s.currency}")  # fmt: skip
    session.add(row)
    announce_state(session, period, row.state)
    record_audit(session, actor, "paid", "commission_period", period, {"state": "paid"})
    return row


@dataclass(frozen=True)
class StatementLine:
    """One ledger line as the statement shows it, with the distributor its order went through
    (``distributor_id`` None and ``distributor`` empty for a direct order)."""

    order: str
    program: str
    kind: str
    base: Decimal
    amount: Decimal
    distributor_id: int | None = None
    distributor: str = ""


@dataclass(frozen=True)
class Statement:
    """A beneficiary's statement of a period in one currency, with its lines and the period's state."""

    partner_id: int
    period: str
    state: str
    currency: str
    accrued: Decimal
    clawed_back: Decimal
    total: Decimal
    credit: Decimal
    lines: tuple[StatementLine, ...]


def distributor_names(session: Session, ids: set[int]) -> dict[int, str]:
    """The distributors' names as documents show them: their branding's display name, else the
    partner's name."""
    if not ids:
        return {}
    names = {
        p.id or 0: p.name for p in session.exec(select(Partner).where(col(Partner.id).in_(ids)))
    }
    branded = select(BrandingProfile).where(col(BrandingProfile.distributor_id).in_(ids))
    names.update({b.distributor_id: b.display_name for b in session.exec(branded)})
    return names


@transactional
def partner_statements(
    partner_id: int, period: str, *, session: Session, actor: Actor
) -> list[Statement]:
    """A partner's statements of a period (a partner sees only its own: NotFoundError otherwise)."""
    check_period(period)
    scope = partner_scope(actor, partner_id)
    assert scope is not None
    found = statement_of(session, scope, period)
    if not found:
        raise NotFoundError(f"no commission statement for partner {partner_id} in {period}")
    state = session.get(CommissionPeriod, period)
    terms = program_terms(session)
    shares: dict[int, Decimal] = {}
    for (_, currency, program), group in period_groups(session, period, scope).items():
        tiered = group.tiered(terms[program], currency)
        shares.update(zip(group.ids, share_out(tiered, group.bases, currency), strict=True))
    entries = session.exec(
        select(IncentiveEntry, Order.number, Order.distributor_id)
        .join(Order, col(Order.id) == col(IncentiveEntry.order_id))
        .where(IncentiveEntry.partner_id == scope, IncentiveEntry.period == period)
        .order_by(col(IncentiveEntry.id))
    ).all()
    names = distributor_names(session, {d for _, _, d in entries if d is not None})
    lines: dict[str, list[StatementLine]] = {}
    for entry, number, distributor in entries:
        amount = entry.amount if entry.amount is not None else shares[entry.id or 0]
        code = terms[entry.program_id].program.code
        name = names.get(distributor, "") if distributor is not None else ""
        lines.setdefault(entry.currency, []).append(
            StatementLine(number, code, entry.kind, entry.base, amount, distributor, name)
        )
    return [
        Statement(
            partner_id=s.partner_id,
            period=period,
            state=state.state if state else "open",
            currency=s.currency,
            accrued=s.accrued,
            clawed_back=s.clawed_back,
            total=s.total,
            credit=s.credit,
            lines=tuple(lines.get(s.currency, [])),
        )
        for s in found
    ]
