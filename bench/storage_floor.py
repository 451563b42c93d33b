"""The storage floor of a pull on SQLite: the rows it wrote, written again with nothing else.

``bench_sync_pull.py --floor`` copies the core before its full pull (``Snapshot.take``) and, after
it, replays every row the pull added into that copy with plain ``sqlite3``: one ``INSERT`` per
table through ``executemany`` of the values exactly as stored, parents before children, in as
many transactions per table as the pull read pages, foreign keys on, the core's pragmas. No
mapping, no upsert, no look-up, no SQLAlchemy, no JSON: what the schema's rows and indexes cost
on this machine, a lower bound for the pull's writes (``print_floor``).
"""

from __future__ import annotations

import math
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

from order_core.models import metadata

PAGE = 2_000


def _connect(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA foreign_keys=ON")
    conn.execute("PRAGMA synchronous=NORMAL")
    return conn


def _tables() -> list[str]:
    """The core's tables, parents before children."""
    return [table.name for table in metadata.sorted_tables]


@dataclass(frozen=True)
class Snapshot:
    """A copy of the core before the pull, and each table's highest rowid then."""

    copy: Path
    last_rowid: dict[str, int]

    @classmethod
    def take(cls, core: Path, copy: Path) -> Snapshot:
        """Copy ``core`` (SQLite's online backup) to ``copy``; note where each table ends."""
        source, target = sqlite3.connect(core), sqlite3.connect(copy)
        try:
            source.backup(target)
            last = {
                name: source.execute(f'SELECT coalesce(max(rowid), 0) FROM "{name}"').fetchone()[0]
                for name in _tables()
            }
        finally:
            source.close()
            target.close()
        return cls(copy, last)


@dataclass(frozen=True)
class TableFloor:
    """One table's replay: rows written and the seconds their inserts took."""

    name: str
    rows: int
    seconds: float


def replay(core: Path, snapshot: Snapshot, records: int) -> tuple[list[TableFloor], float]:
    """Insert into the snapshot's copy every row ``core`` gained since it; per table and the
    final checkpoint's seconds (the copy's connection checkpoints only at the end)."""
    transactions = max(1, math.ceil(records / PAGE))
    source = sqlite3.connect(core)
    target = _connect(snapshot.copy)
    target.execute("PRAGMA wal_autocheckpoint = 0")
    floors: list[TableFloor] = []
    try:
        for name in _tables():
            after = (snapshot.last_rowid[name],)
            count = source.execute(f'SELECT count(*) FROM "{name}" WHERE rowid > ?', after)
            rows = count.fetchone()[0]
            if not rows:
                continue
            read = source.execute(f'SELECT * FROM "{name}" WHERE rowid > ? ORDER BY rowid', after)
            quoted = ", ".join(f'"{c[0]}"' for c in read.description)
            marks = ", ".join("?" * len(read.description))
            insert = f'INSERT INTO "{name}" ({quoted}) VALUES ({marks})'
            size = math.ceil(rows / transactions)
            seconds = 0.0
            while chunk := read.fetchmany(size):  # streamed: memory stays flat in the rows
                started = time.perf_counter()
                target.execute("BEGIN IMMEDIATE")
                target.executemany(insert, chunk)
                target.execute("COMMIT")
                seconds += time.perf_counter() - started
            floors.append(TableFloor(name, rows, seconds))
        started = time.perf_counter()
        target.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return floors, time.perf_counter() - started
    finally:
        source.close()
        target.close()


def print_floor(core: Path, snapshot: Snapshot, records: int, pull_seconds: float) -> None:
    """Replay the pull's rows and print the floor: per table, per record, and the ceiling it sets."""
    floors, checkpoint = replay(core, snapshot, records)
    inserts = sum(f.seconds for f in floors)
    rows = sum(f.rows for f in floors)
    print(
        f"  storage floor: the full pull's {rows:,} rows in {len(floors)} tables "
        f"({rows / records:.1f} a record) written again with plain sqlite3 executemany"
    )
    for f in sorted(floors, key=lambda f: -f.seconds):
        print(
            f"    {f.name:<28} {f.rows:>9,} rows {f.seconds:6.2f} s "
            f"{f.seconds / f.rows * 1e6:6.1f} us a row {f.seconds / records * 1e6:6.1f} us a record"
        )
    total = inserts + checkpoint
    print(
        f"    inserts {inserts:.2f} s + final checkpoint {checkpoint:.2f} s = "
        f"{total / records * 1e6:.0f} us a record: at most {records / total:,.0f} records/s "
        f"with nothing else (the pull: {records / pull_seconds:,.0f} records/s, "
        f"{pull_seconds / records * 1e6:.0f} us a record)"
    )
