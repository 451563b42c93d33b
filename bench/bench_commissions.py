"""The commission run for 100,000 invoiced orders: accrue, statements, the same run again, approve.

Seeds set-based (orders of one line at 80.00 buy, an invoice each in March, a credit note for
a quarter of every 100th in April), a rebate program with marginal tiers, then times: the March
run (100,000 accruals, one statement per reseller), the March run again (nothing new), approving
March (amounts frozen), and the April run (1,000 clawbacks). Prints each with the peak RSS.
"""

from __future__ import annotations

import argparse
import time
from datetime import date
from decimal import Decimal

from bench_databases import on_each_database, peak_rss_mib
from seed_subscriptions import seed_channel, seed_credit_notes, seed_invoices, seed_orders
from sqlalchemy.engine import Engine
from sqlmodel import Session

from order_core.actors import Actor
from order_core.commissions.run import run_commissions
from order_core.commissions.services import approve_period, create_program
from order_core.models import metadata

ADMIN = Actor.vendor("bench@vendor.example", "admin")


def run(engine: Engine, label: str, count: int) -> None:
    """Seed ``count`` invoiced orders on ``engine`` and print the runs' figures."""
    metadata.create_all(engine)
    started = time.perf_counter()
    _, partners, buyers, _ = seed_channel(engine)
    seed_orders(engine, count, status="invoiced", first_partner=partners[0], first_buyer=buyers[0], per_order=1)  # fmt: skip
    seed_invoices(engine, issued_on=date(2027, 3, 15))
    seed_credit_notes(engine, every=100, issued_on=date(2027, 4, 2))
    with Session(engine) as session:
        tiers = [(Decimal(0), Decimal("1.5")), (Decimal(1000), Decimal("3")), (Decimal(100000), Decimal("4.25"))]  # fmt: skip
        create_program("REB", "Rebate", tiers, kind="rebate", tier_mode="marginal", session=session, actor=ADMIN)  # fmt: skip
    print(f"{label}: seeded {count} invoiced orders in {time.perf_counter() - started:.1f}s; peak RSS {peak_rss_mib():.0f} MB")  # fmt: skip
    for name, period in (("March", "2027-03"), ("March again", "2027-03")):
        report = run_commissions(engine, period).as_dict()
        print(
            f"{label}: {name}: {report['seconds']:.1f}s; accrued {report['accrued']}, "
            f"statements {report['statements']} ({report['statements_changed']} changed); "
            f"peak RSS {peak_rss_mib():.0f} MB"
        )
    started = time.perf_counter()
    with Session(engine) as session:
        approve_period("2027-03", session=session, actor=ADMIN)
    print(f"{label}: approve March: {time.perf_counter() - started:.1f}s; peak RSS {peak_rss_mib():.0f} MB")  # fmt: skip
    report = run_commissions(engine, "2027-04").as_dict()
    print(
        f"{label}: April: {report['seconds']:.1f}s; clawed back {report['clawed_back']}, "
        f"statements {report['statements']}; peak RSS {peak_rss_mib():.0f} MB"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=100_000)
    parser.add_argument("--only", choices=["pg", "sqlite"])
    args = parser.parse_args()
    on_each_database(args.only, lambda engine, label: run(engine, label, args.orders))


if __name__ == "__main__":
    main()
