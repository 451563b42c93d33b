"""Crash rig: ``channelsync sync pull`` as a real subprocess, SIGKILLed at chosen points.

The sandbox serves from the test process, so the test sees every CRM call as it arrives and can
park one (a latency fault) or watch the call counts; the core database is the test's own, so on
PostgreSQL the test can hold a table lock the pull's page transaction must wait for. Four ways
to kill, each returning whether the pull really died by SIGKILL (a pull that finished first
was not killed, and the caller decides what that means):

- :meth:`PullRig.kill_at` -- the child kills itself at an exact point of its database work
  (``crash_child.py``): mid-page after the W-th write, just before a commit, just after one;
- :meth:`PullRig.kill_in_request` -- parked inside the k-th call of a CRM route: the pages
  before it are committed, the next one is in flight;
- :meth:`PullRig.kill_after_response` -- a random moment after the k-th page was answered
  (mapping, applying, committing or fetching on: wherever the pull happens to be);
- :meth:`PullRig.kill_on_lock` (PostgreSQL) -- blocked mid-page, inside its page transaction, on
  a write to a table the test holds a SHARE lock on; everything before that write is uncommitted.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine

from crm_sandbox.common.faults import Fault
from crm_sandbox.common.server import SandboxApp

CHILD = Path(__file__).with_name("crash_child.py")
#: How long a wait for the pull to reach a point may take before the test fails (not a measurement).
PATIENCE_S = 120.0
#: How long a parked CRM call sleeps: far longer than it takes to kill the pull it holds.
PARK_S = 30.0
POLL_S = 0.005


def database_url(engine: Engine) -> str:
    """The URL a subprocess connects to the same database with (password included)."""
    return engine.url.render_as_string(hide_password=False)


class PullRig:
    """Runs ``channelsync sync pull --connection NAME`` in subprocesses against one core database."""

    def __init__(
        self,
        connection: str,
        env: Mapping[str, str],
        folder: Path,
        app: SandboxApp,
        command: Sequence[str] = ("sync", "pull"),
    ) -> None:
        self.connection = connection
        self.command = tuple(command)  # ("sync", "push") drives the push the same way
        self.app = app
        self.folder = folder
        self.env = {
            k: v for k, v in os.environ.items() if not k.startswith(("CHANNELSYNC_", "CRASH_"))
        }
        self.env.update(env)
        self.runs = 0
        self._log: Path | None = None

    # -- processes -------------------------------------------------------------------------
    def start(self, crash_at: str | None = None) -> subprocess.Popen[bytes]:
        """Start one pull (its output goes to a log file named after the run)."""
        self.runs += 1
        self._log = self.folder / f"pull-{self.runs}.log"
        env = dict(self.env)
        if crash_at:
            env["CRASH_AT"] = crash_at
        with self._log.open("wb") as out:
            return subprocess.Popen(
                [sys.executable, str(CHILD), *self.command, "--connection", self.connection],
                env=env,
                cwd=self.folder,
                stdout=out,
                stderr=subprocess.STDOUT,
            )

    def output(self) -> str:
        """What the last run printed."""
        return "" if self._log is None else self._log.read_text("utf-8", "replace")

    def _wait(self, proc: subprocess.Popen[bytes]) -> int:
        try:
            return proc.wait(timeout=PATIENCE_S)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            raise AssertionError(f"the pull hung:\n{self.output()}") from None

    @staticmethod
    def _sigkill(proc: subprocess.Popen[bytes]) -> bool:
        if proc.poll() is not None:
            return False
        os.kill(proc.pid, signal.SIGKILL)
        return proc.wait() == -signal.SIGKILL

    def _until(self, proc: subprocess.Popen[bytes], reached: Callable[[], bool]) -> bool:
        """Poll ``reached`` until it holds (True) or the pull exits (False)."""
        deadline = time.monotonic() + PATIENCE_S
        while not reached():
            if proc.poll() is not None:
                return False
            if time.monotonic() > deadline:
                self._sigkill(proc)
                raise AssertionError(f"the pull never got there:\n{self.output()}")
            time.sleep(POLL_S)
        return True

    def run_clean(self) -> str:
        """One pull left alone; it must succeed. Returns what it printed."""
        proc = self.start()
        code = self._wait(proc)
        assert code == 0, f"the pull exited {code}:\n{self.output()}"
        return self.output()

    # -- kill points -----------------------------------------------------------------------
    def kill_at(self, point: str) -> bool:
        """The child SIGKILLs itself at ``point`` (``write:T:W``, ``commit:T``, ``after:T``)."""
        code = self._wait(self.start(point))
        if code not in (0, -signal.SIGKILL):
            raise AssertionError(f"the pull exited {code}:\n{self.output()}")
        return code == -signal.SIGKILL

    def kill_in_request(self, route: str, k: int) -> bool:
        """SIGKILL while the k-th call of ``route`` in this run waits in the sandbox."""
        fault = Fault(route, "latency", delay_s=PARK_S, times=1, skip=k - 1)
        self.app.add_fault(fault)
        try:
            proc = self.start()
            parked = self._until(
                proc, lambda: all(f is not fault for f in self.app.faults.pending())
            )
            return parked and self._sigkill(proc)
        finally:
            self.app.faults.clear()

    def kill_after_response(self, routes: Iterable[str], k: int, delay_s: float) -> bool:
        """SIGKILL ``delay_s`` after the k-th answer of ``routes`` in this run."""
        names = tuple(routes)

        def answered() -> int:
            calls = self.app.calls()
            return sum(calls.get(r, 0) for r in names)

        base = answered()
        proc = self.start()
        if not self._until(proc, lambda: answered() >= base + k):
            return False
        time.sleep(delay_s)
        return self._sigkill(proc)

    def kill_on_lock(self, engine: Engine, table: str) -> bool:
        """SIGKILL while the page transaction waits to write ``table`` (SHARE-locked by the test).

        The killed client's server process notices it is gone only when the lock is granted and
        its statement finishes; it then rolls the transaction back. The test waits for that, so
        the next run starts on a quiet database.
        """
        with engine.connect() as conn:
            conn.execute(text(f'LOCK TABLE "{table}" IN SHARE MODE'))
            proc = self.start()
            waiting = self._waiter(conn, table)
            blocked = self._until(proc, lambda: waiting() is not None)
            backend = waiting()
            killed = blocked and self._sigkill(proc)
            conn.rollback()
        if backend is not None:
            self._gone(engine, backend)
        return killed

    @staticmethod
    def _waiter(conn: Connection, table: str) -> Callable[[], int | None]:
        # pg_locks is live inside a transaction (pg_stat_activity would be a snapshot).
        query = text(
            "SELECT pid FROM pg_locks WHERE NOT granted AND relation = CAST(:t AS regclass) "
            "AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
        )

        def waiting() -> int | None:
            pid = conn.execute(query, {"t": table}).scalar()
            return None if pid is None else int(pid)

        return waiting

    @staticmethod
    def _gone(engine: Engine, backend: int) -> None:
        query = text("SELECT count(*) FROM pg_stat_activity WHERE pid = :p")
        deadline = time.monotonic() + PATIENCE_S
        while True:
            with engine.connect() as conn:
                if not conn.execute(query, {"p": backend}).scalar():
                    return
            if time.monotonic() > deadline:
                raise AssertionError(f"PostgreSQL backend {backend} outlived its killed client")
            time.sleep(POLL_S)
