"""The monthly commission run: accrue, claw back, build one statement per beneficiary (idempotent).

``run_commissions(engine, "2027-03")`` accrues every active program's invoiced (or paid) orders
up to the month's end and the clawbacks of credit notes, in chunked transactions, then builds
the statements in one more. Re-running gives the same statements and accrues nothing twice; a
period already approved or paid is not changed (a late refund lands in the next open period).
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session

from order_core.actors import Actor, require_vendor
from order_core.audit import record_audit
from order_core.commissions.accrual import accrue, claw_back
from order_core.commissions.periods import check_period, closed_periods, open_period
from order_core.commissions.statements import build_statements, program_terms


@dataclass
class CommissionRunReport:
    """What one commission run did (figures only)."""

    period: str
    state: str = "open"
    accrued: int = 0
    clawed_back: int = 0
    statements: int = 0
    statements_changed: int = 0
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        """The figures as JSON-able values."""
        data = asdict(self)
        data["seconds"] = round(self.seconds, 3)
        return data


def run_commissions(
    engine: Engine, period: str, *, actor: Actor | None = None
) -> CommissionRunReport:
    """Run the commissions of ``period`` (``YYYY-MM``; vendor finance or the system)."""
    who = actor or Actor.system("commissions")
    require_vendor(who, "finance", action="run commissions")
    _, end = check_period(period)
    started = time.perf_counter()
    report = CommissionRunReport(period=period)
    with Session(engine, expire_on_commit=False) as session:  # the programs are read on after
        row = open_period(session, period)
        report.state = row.state
        closed = closed_periods(session)
        terms = program_terms(session)
        session.commit()
    if report.state != "open":
        report.seconds = time.perf_counter() - started
        return report
    for program in (t.program for t in terms.values() if t.program.active):
        with Session(engine) as session:
            report.accrued += accrue(session, program, period, end, closed)
            report.clawed_back += claw_back(session, program, period, end, closed)
            session.commit()
    with Session(engine) as session:
        open_period(session, period, lock=True)
        report.statements, report.statements_changed = build_statements(session, period, terms)
        record_audit(session, who, "commission_run", "commission_period", period, report.as_dict())
        session.commit()
    report.seconds = time.perf_counter() - started
    return report
