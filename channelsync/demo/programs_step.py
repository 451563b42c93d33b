"""Demo step 4: the partner programs through Dagster. The channel admin sets up a renewal
commission once (``RATE`` percent of each renewal's resale value, to the reseller of record);
the renewal run and the customer's renewals (``renewal_step``) come first, then this month's
commission run accrues the renewals and builds the statements, written as CSV and HTML."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

from rich.console import Console
from sqlmodel import Session, select

from channelsync.demo.cast import CHANNEL_ADMIN, FINANCE
from channelsync.demo.orchestra import Orchestra
from channelsync.demo.render import money
from channelsync.demo.renewal_step import RenewalOutcome
from dagster_defs.periodic import COMMISSIONS
from dagster_defs.settings import DagsterSettings
from order_core.commissions.documents import statement_csv, statement_html
from order_core.commissions.models import CommissionStatement, IncentiveProgram
from order_core.commissions.services import create_program, partner_statements
from order_core.partners.models import Partner

Figures = dict[str, object]
PROGRAM = "DEMO-RENEWAL"
RATE = Decimal("5")  # percent of the renewal's resale value


@dataclass(frozen=True)
class StatementFile:
    """One partner's commission statement of the period, written as CSV and HTML."""

    partner_id: int
    partner: str
    period: str
    currency: str
    total: Decimal
    csv: Path
    html: Path


def ensure_program(session: Session) -> None:
    """The demo's renewal commission (``RATE`` % of the renewal's resale value, on invoiced
    renewal orders, to the reseller of record), unless a run made it."""
    found = session.exec(select(IncentiveProgram).where(IncentiveProgram.code == PROGRAM)).first()
    if found is None:
        create_program(
            PROGRAM,
            "Demo renewal commission",
            [(Decimal(0), RATE)],
            session=session,
            actor=CHANNEL_ADMIN,
            kind="renewal_commission",
            base="resale",
        )
    session.commit()  # no transaction left open while the jobs write (SQLite)


def write_statements(session: Session, period: str, out_dir: Path) -> list[StatementFile]:
    """Every statement of ``period`` as ``commission-statement-<partner id>-<period>.csv|.html``."""
    partner_ids = sorted(
        set(
            session.exec(
                select(CommissionStatement.partner_id).where(CommissionStatement.period == period)
            )
        )
    )
    files = []
    for partner_id in partner_ids:
        found = partner_statements(partner_id, period, session=session, actor=FINANCE)
        base = out_dir / f"commission-statement-{partner_id}-{period}"
        csv_file, html_file = base.with_suffix(".csv"), base.with_suffix(".html")
        csv_file.write_text(statement_csv(found), encoding="utf-8")
        html_file.write_text(statement_html(session, found), encoding="utf-8")
        partner = session.get(Partner, partner_id)
        name = partner.name if partner is not None else str(partner_id)
        for s in found:
            files.append(
                StatementFile(partner_id, name, period, s.currency, s.total, csv_file, html_file)
            )
    return files


def run_commissions_step(
    orchestra: Orchestra, session: Session, out_dir: Path, console: Console
) -> tuple[Figures, list[StatementFile]]:
    """This month's commission run (the renewal orders were invoiced today) and its statements."""
    today = datetime.now(ZoneInfo(DagsterSettings().timezone)).date()
    result = orchestra.run(
        "commissions_job", tags={"dagster/partition": today.replace(day=1).isoformat()}
    )
    (event,) = result.get_asset_materialization_events()
    figures: Figures = {k: v.value for k, v in event.materialization.metadata.items()}
    console.print(
        f"{COMMISSIONS.to_user_string()} {figures['period']}: {figures['accrued']} "
        f"accrual(s), {figures['statements']} statement(s)"
    )
    files = write_statements(session, str(figures["period"]), out_dir)
    session.commit()
    for f in files:
        console.print(
            f"commission statement of {f.partner} for {f.period}: "
            f"{money(f.total, f.currency)} {f.currency}; written to {f.csv} and .html"
        )
    return figures, files


def program_rows(
    renewals: RenewalOutcome, commission: Figures, statements: list[StatementFile]
) -> list[tuple[str, str]]:
    """The summary rows of the renewals and the commissions."""
    orders = ", ".join(r.order_number for r in renewals.renewed) or "none"
    rows = [
        (
            f"renewals {renewals.as_of}",
            f"{renewals.figures['renewals_created']} renewal quote(s), "
            f"{renewals.notices} notice(s) e-mailed; {len(renewals.renewed)} renewed by the "
            f"customer: order(s) {orders}",
        ),
        (
            f"commissions {commission['period']}",
            f"{commission['accrued']} accrual(s) under {PROGRAM} ({RATE}% of the renewal's "
            f"resale value), {commission['statements']} statement(s)",
        ),
    ]
    for f in sorted(statements, key=lambda s: (s.partner, s.currency)):
        rows.append(
            (f"statement {f.partner}", f"{money(f.total, f.currency)} {f.currency}: {f.csv.name}")
        )
    return rows
