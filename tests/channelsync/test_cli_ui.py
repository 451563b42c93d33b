"""`channelsync ui`'s supervision: a stop signal reaches the child even from a background job."""

from __future__ import annotations

import os
import signal
import sys
import threading
from pathlib import Path

from channelsync.cli.ui import LOCAL_INSTANCE, prepare_home, supervise

CHILD = """
import signal, sys, time
print(signal.getsignal(signal.SIGINT) is signal.default_int_handler, flush=True)
try:
    time.sleep(60)
except KeyboardInterrupt:
    print("interrupted", flush=True)
"""


def test_sigterm_stops_a_child_that_started_with_sigint_ignored(tmp_path: Path) -> None:
    out = tmp_path / "child.out"
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)  # as a background job starts
    timer = threading.Timer(2.0, lambda: os.kill(os.getpid(), signal.SIGTERM))
    try:
        timer.start()
        command = ["/bin/sh", "-c", f'exec "{sys.executable}" -c "$0" > "{out}"', CHILD]
        status = supervise(command, dict(os.environ))
    finally:
        timer.cancel()
        signal.signal(signal.SIGINT, previous)
    assert status == 0
    # The child had Python's own SIGINT handler and was interrupted by the forwarded stop.
    assert out.read_text(encoding="utf-8").split() == ["True", "interrupted"]


def test_a_fresh_home_gets_the_local_instance_and_an_existing_one_is_kept(tmp_path: Path) -> None:
    home = prepare_home(tmp_path / "dagster")
    assert (home / "dagster.yaml").read_text(encoding="utf-8") == LOCAL_INSTANCE
    (home / "dagster.yaml").write_text("telemetry: {enabled: false}\n", encoding="utf-8")
    assert (prepare_home(home) / "dagster.yaml").read_text(encoding="utf-8").startswith("telemetry")
