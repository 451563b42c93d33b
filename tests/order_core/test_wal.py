"""Checkpoints in a thread of their own: the WAL copied back while the writer goes on, the WAL
kept within its bound, the last checkpoint waited for, and a failure raised to the writer."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import pytest

from order_core.errors import DomainError
from order_core.wal import BackgroundCheckpoints

PAGE = 4096


def _writer(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA wal_autocheckpoint = 0")  # as connection_session(checkpoints_apart)
    conn.execute("CREATE TABLE t (x TEXT)")
    return conn


def _all_copied(conn: sqlite3.Connection) -> int:
    """The WAL's frames, once checked that a checkpoint finds nothing left to copy."""
    busy, frames, copied = conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
    assert (busy, frames) == (0, copied)
    return int(frames)


def _commit_pages(conn: sqlite3.Connection, pages: int) -> None:
    """One transaction of about ``pages`` new pages (one 3,000-character row a page)."""
    conn.execute("BEGIN IMMEDIATE")
    conn.execute(
        "INSERT INTO t SELECT hex(randomblob(1500)) FROM (WITH RECURSIVE n(i) AS "
        "(SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?) SELECT i FROM n)",
        (pages,),
    )
    conn.execute("COMMIT")


def test_the_wal_stays_within_its_bound_while_the_writer_goes_on(tmp_path: Path) -> None:
    path = tmp_path / "core.db"
    conn = _writer(path)
    checkpoints = BackgroundCheckpoints(str(path), most_frames=300)
    for _ in range(60):  # 6,000 pages in all, twenty times the bound
        _commit_pages(conn, 100)
        checkpoints.request()
    checkpoints.close()
    # The WAL started again from its beginning whenever it had outgrown the bound. The bound is
    # checked against the last finished checkpoint, so the WAL may outgrow it by what was
    # committed while one ran (several transactions on a loaded machine), not by the whole run.
    assert Path(f"{path}-wal").stat().st_size < 3_000 * PAGE
    # Everything is in the database file, and the rows are all there.
    assert path.stat().st_size > 6_000 * PAGE
    assert _all_copied(conn) == checkpoints.frames
    assert conn.execute("SELECT count(*) FROM t").fetchone()[0] == 6_000
    conn.close()


def test_past_the_bound_a_request_waits_and_the_next_transaction_starts_the_wal_again(
    tmp_path: Path,
) -> None:
    path = tmp_path / "core.db"
    conn = _writer(path)
    checkpoints = BackgroundCheckpoints(str(path), most_frames=50)
    _commit_pages(conn, 100)
    checkpoints.request()  # the WAL's size is not known yet: no wait
    deadline = time.monotonic() + 30
    while checkpoints.frames == 0 and time.monotonic() < deadline:
        time.sleep(0.001)
    assert checkpoints.frames >= 100 and checkpoints.waited == 0
    _commit_pages(conn, 100)
    checkpoints.request()  # past the bound: returns once the WAL is copied back
    assert checkpoints.waited == 1
    size = Path(f"{path}-wal").stat().st_size
    assert size >= 100 * PAGE
    _all_copied(conn)
    _commit_pages(conn, 100)  # written from the WAL's beginning again: the file does not grow
    assert Path(f"{path}-wal").stat().st_size == size
    checkpoints.close()
    conn.close()


def test_under_the_bound_a_request_returns_at_once_unless_told_to_wait(
    tmp_path: Path,
) -> None:
    path = tmp_path / "core.db"
    conn = _writer(path)
    checkpoints = BackgroundCheckpoints(str(path))  # 8,000 frames
    for _ in range(5):
        _commit_pages(conn, 200)
        checkpoints.request()
    assert checkpoints.waited == 0
    _commit_pages(conn, 10)
    checkpoints.request(wait=True)  # as while others write: returns once it is done
    assert checkpoints.waited == 1
    assert _all_copied(conn) == checkpoints.frames
    _commit_pages(conn, 10)
    checkpoints.close()  # the last checkpoint is waited for, and nothing is left to copy
    assert _all_copied(conn) == checkpoints.frames > 0
    checkpoints.close()  # a second close does nothing
    assert path.stat().st_size > 1_000 * PAGE
    conn.close()


def test_a_failed_checkpoint_is_raised_to_the_writer(tmp_path: Path) -> None:
    folder = tmp_path / "not-a-database"
    folder.mkdir()
    checkpoints = BackgroundCheckpoints(str(folder))  # its connection cannot open a folder
    with pytest.raises(DomainError, match=r"a WAL checkpoint of .*not-a-database failed") as exc:
        checkpoints.close()
    assert exc.value.message == (
        f"a WAL checkpoint of {folder} failed (unable to open database file); what was committed "
        "stays in the WAL: free disk space or fix the file's permissions, then run again"
    )
    with pytest.raises(DomainError, match=r"failed \(unable to open database file\)"):
        checkpoints.request()
