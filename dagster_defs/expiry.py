"""The expiry job: quotes past their valid-until day, approval steps past their deadline."""

from __future__ import annotations

import dagster as dg

from dagster_defs.metadata import plain
from dagster_defs.resources import CoreDatabase
from order_core.expiry import run_expiry


@dg.op
def expire_quotes_and_approvals(database: CoreDatabase) -> dg.Output[int]:
    """Expire what is past its date; reports how many of each it expired."""
    with database.engine() as engine:
        report = run_expiry(engine)
    total = report.quotes + report.quote_approval_steps + len(report.order_approvals)
    return dg.Output(total, metadata=plain(report.as_dict()))


@dg.job(
    description="Expire quotes past their valid-until day and approval steps past their deadline."
)
def expiry_job() -> None:
    """Expire quotes past their valid-until day and approval steps past their deadline."""
    expire_quotes_and_approvals()
