"""``channelsync ui``: the Dagster UI and daemon (``dagster dev``) on the local instance.

It runs ``dagster dev`` as a child in its own session and stops it cleanly: Ctrl-C or SIGTERM is
forwarded as one interrupt, the child shuts its webserver, daemon and code server down, and
whatever is left after a grace period is killed. ``DAGSTER_HOME`` is always set, so Dagster makes
no ``.tmp_dagster_home_*`` folder in the working directory.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
from pathlib import Path
from types import FrameType

import typer

from channelsync.cli.consoles import out as _out
from dagster_defs.settings import DagsterSettings

#: Seconds ``dagster dev`` gets to stop its processes before they are killed.
GRACE_SECONDS = 30.0
#: The local instance when the folder has none: storage in the folder itself (SQLite), and, as in
#: deploy/dagster.yaml, one slot per pool, so no CRM connection is called by two runs at once.
LOCAL_INSTANCE = """\
concurrency:
  pools:
    default_limit: 1
  runs:
    tag_concurrency_limits:
      - key: channelsync/connection
        value: {applyLimitPerUniqueValue: true}
        limit: 1
telemetry:
  enabled: false
"""


def _default_signals() -> None:
    """In the child, before exec: a background job inherits SIGINT ignored, and ``dagster dev``
    maps SIGTERM onto SIGINT's handler, so it would ignore both; give it the defaults back."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _kill_group(pid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, sig)


def supervise(command: list[str], env: dict[str, str]) -> int:
    """Run ``command`` until it exits or this process gets SIGINT / SIGTERM; returns its status
    (0 when it was asked to stop)."""
    child = subprocess.Popen(  # noqa: S603 (our own venv's dagster, fixed arguments)
        command, env=env, start_new_session=True, preexec_fn=_default_signals
    )
    asked = False

    def forward(_signum: int, _frame: FrameType | None) -> None:
        nonlocal asked
        asked = True
        if child.poll() is None:
            child.send_signal(signal.SIGINT)

    previous = {s: signal.signal(s, forward) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        status = child.wait()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        if child.poll() is None:
            child.send_signal(signal.SIGINT)
            try:
                child.wait(GRACE_SECONDS)
            except subprocess.TimeoutExpired:
                _kill_group(child.pid, signal.SIGKILL)
                child.wait()
        _kill_group(child.pid, signal.SIGKILL)  # a straggler of the session, if any
    return 0 if asked else status


def prepare_home(home: Path) -> Path:
    """The instance folder, made if missing, with ``LOCAL_INSTANCE`` as its ``dagster.yaml``
    unless it has one."""
    home.mkdir(parents=True, exist_ok=True)
    instance = home / "dagster.yaml"
    if not instance.exists():
        instance.write_text(LOCAL_INSTANCE, encoding="utf-8")
    return home


def run_ui(
    port: int = typer.Option(3000, "--port", min=1, max=65535, help="Port of the UI."),
    host: str = typer.Option("127.0.0.1", "--host", help="Interface to bind."),
) -> None:
    """Open the Dagster UI with its daemon (schedules, sensors) on the local instance until Ctrl-C."""
    home = prepare_home(DagsterSettings().dagster_home())
    dagster = Path(sys.executable).parent / "dagster"
    command = [str(dagster), "dev", "-m", "dagster_defs.definitions", "-h", host, "-p", str(port)]
    _out().print(f"Dagster UI at http://{host}:{port} (instance {home})", highlight=False)
    _out().print("Press Ctrl-C to stop.", highlight=False)
    raise typer.Exit(supervise(command, {**os.environ, "DAGSTER_HOME": str(home)}))
