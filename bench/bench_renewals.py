"""The renewal run for 100,000 subscriptions: notices and renewal quotes, the same day again, lapses.

Seeds set-based (``seed_subscriptions``), then times three runs of ``run_renewals``: the day all
subscriptions are in a notice window (a renewal quote and two e-mails each), the same day again
(nothing to do), and the day after every term ended (all lapse). Prints each run's figures, its
time and the process's peak RSS after it (flat: chunks of 500 per transaction).
"""

from __future__ import annotations

import argparse
import time
from datetime import date, timedelta

from bench_databases import on_each_database, peak_rss_mib
from seed_subscriptions import seed_channel, seed_orders, seed_subscriptions
from sqlalchemy.engine import Engine

from order_core.models import metadata
from order_core.renewals.run import run_renewals

AS_OF = date(2027, 1, 1)


def run(engine: Engine, label: str, count: int) -> None:
    """Seed ``count`` subscriptions on ``engine`` and print the three runs' figures."""
    metadata.create_all(engine)
    started = time.perf_counter()
    product, partners, buyers, _ = seed_channel(engine)
    seed_orders(engine, count, status="accepted", first_partner=partners[0], first_buyer=buyers[0])
    seed_subscriptions(engine, count, product_id=product, as_of=AS_OF)
    print(f"{label}: seeded {count} subscriptions in {time.perf_counter() - started:.1f}s; peak RSS {peak_rss_mib():.0f} MB")  # fmt: skip
    for name, day in (
        ("notices", AS_OF),
        ("same day again", AS_OF),
        ("lapse", AS_OF + timedelta(days=92)),
    ):
        report = run_renewals(engine, day).as_dict()
        print(
            f"{label}: {name}: {report['seconds']:.1f}s; checked {report['checked']}, "
            f"renewals {report['renewals_created']}, notices {report['notices_sent']}, "
            f"lapsed {report['lapsed']}; peak RSS {peak_rss_mib():.0f} MB"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subscriptions", type=int, default=100_000)
    parser.add_argument("--only", choices=["pg", "sqlite"])
    args = parser.parse_args()
    on_each_database(args.only, lambda engine, label: run(engine, label, args.subscriptions))


if __name__ == "__main__":
    main()
