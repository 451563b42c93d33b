"""The ``channelsync`` command line for crash tests: optionally SIGKILLs itself at an exact point.

Run as a script (``python crash_child.py sync pull ...``): it is the console script
``channelsync`` (``channelsync.cli:main``) plus, when ``CRASH_AT`` is set, a SQLAlchemy hook that
sends the process SIGKILL at one point of its database work, counted over every engine:

- ``write:T:W`` -- right after the W-th write statement (INSERT / UPDATE / DELETE) of the T-th
  transaction that writes, before anything of that transaction is committed (when it has fewer
  writes: as it is about to commit);
- ``commit:T`` -- when the T-th writing transaction has written everything and is about to commit;
- ``after:T`` -- at the first statement after the T-th writing transaction committed.

SIGKILL allows no clean-up: no rollback, no ``finally``, no atexit; the database sees a client
vanish mid-transaction, exactly as when the machine's OOM killer or an operator's ``kill -9`` ends it.
"""

from __future__ import annotations

import os
import signal
import sys
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine

WRITES = ("INSERT", "UPDATE", "DELETE")


def _die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def arm(spec: str) -> None:
    """Install the hook for ``spec`` (see the module docstring) on every engine made afterwards."""
    kind, _, rest = spec.partition(":")
    numbers = [int(n) for n in rest.split(":")]
    if kind not in ("write", "commit", "after") or len(numbers) != (2 if kind == "write" else 1):
        raise SystemExit(f"CRASH_AT={spec!r}: expected write:T:W, commit:T or after:T")
    target = numbers[0]
    state = {"tx": 0, "writes": 0, "done": 0}

    def before(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if kind == "after" and state["done"] >= target:
            _die()

    def after(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.lstrip().split(None, 1)[0].upper() not in WRITES:
            return
        if state["writes"] == 0:
            state["tx"] += 1
        state["writes"] += 1
        if kind == "write" and state["tx"] == target and state["writes"] == numbers[1]:
            _die()

    def commit(_conn: Any) -> None:
        if state["writes"]:
            if kind in ("write", "commit") and state["tx"] == target:
                _die()
            state["done"] = state["tx"]
        state["writes"] = 0

    def rollback(_conn: Any) -> None:
        state["writes"] = 0

    event.listen(Engine, "before_cursor_execute", before)
    event.listen(Engine, "after_cursor_execute", after)
    event.listen(Engine, "commit", commit)
    event.listen(Engine, "rollback", rollback)


if __name__ == "__main__":
    if os.environ.get("CRASH_AT"):
        arm(os.environ["CRASH_AT"])
    from channelsync.cli import main

    sys.argv[0] = "channelsync"
    main()
