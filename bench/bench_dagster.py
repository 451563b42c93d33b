"""Benchmark: what Dagster adds to a sync. Prints the code location's load time, and a full pull of
both sandboxes run directly (``pull_connection``) and as ``sync_job`` in process, on fresh SQLite
cores, with the median and spread of several runs.

    .venv/bin/python bench/bench_dagster.py --records 500 --runs 3
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy.engine import Engine

from connector.connections import Connection, load_connections
from connector.sync.run import pull_connection
from dagster_defs.definitions import build_defs
from dagster_defs.resources import CoreDatabase
from order_core.actors import Actor
from order_core.db import make_engine, new_session
from order_core.models import metadata
from order_core.partners.programs import create_program

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the tests' sandbox helpers
from tests.e2e.conftest import running_sandboxes, write_connections


def _core(folder: Path) -> Engine:
    engine = make_engine(f"sqlite:///{folder / 'core.db'}")
    metadata.create_all(engine)
    with new_session(engine) as session:
        admin = Actor.vendor("admin")
        create_program("RESELLER", "Reseller Program", session=session, actor=admin)
        create_program("DISTRIBUTOR", "Distributor Program", session=session, actor=admin)
    return engine


def _spread(label: str, seconds: list[float], extra: str = "") -> None:
    print(
        f"{label}: median {statistics.median(seconds):.2f} s, min {min(seconds):.2f} s, "
        f"max {max(seconds):.2f} s over {len(seconds)} runs{extra}"
    )


def _load_times(runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", "import dagster_defs.definitions"], check=True)
        out.append(time.perf_counter() - started)
    return out


def _timed(runs: int, work: Callable[[Engine], int]) -> tuple[list[float], int]:
    seconds, read = [], 0
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as folder:
            engine = _core(Path(folder))
            started = time.perf_counter()
            read = work(engine)
            seconds.append(time.perf_counter() - started)
            engine.dispose()
    return seconds, read


def main() -> None:
    """Run the measurements and print them."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=500, help="deals per sandbox")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    _spread("code location load (import dagster_defs.definitions)", _load_times(args.runs))
    with running_sandboxes(records=args.records) as sandboxes, tempfile.TemporaryDirectory() as tmp:
        path, env = write_connections(Path(tmp), sandboxes)
        os.environ.update(env)
        conns: dict[str, Connection] = load_connections(path)

        def direct(engine: Engine) -> int:
            reports = [pull_connection(n, engine, connections=conns) for n in conns]
            return sum(r.total("read") for r in reports)

        def through_dagster(engine: Engine) -> int:
            url = engine.url.render_as_string(hide_password=False)
            defs = build_defs(conns, str(path), CoreDatabase(url=url))
            result = defs.resolve_job_def("sync_job").execute_in_process()
            assert result.success
            figures = [
                m.materialization.metadata for m in result.get_asset_materialization_events()
            ]
            return sum(int(str(f["read"].value)) for f in figures if "read" in f)

        seconds, read = _timed(args.runs, direct)
        _spread(f"full pull of both sandboxes, direct ({read} records)", seconds)
        seconds, read = _timed(args.runs, through_dagster)
        _spread(f"the same as sync_job in process, with quotes ({read} records)", seconds)


if __name__ == "__main__":
    main()
