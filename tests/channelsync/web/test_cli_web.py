"""``channelsync web``: serves the app until stopped; a busy port is one clear line."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import httpx

from tests.cli_run import assert_one_line, run_cli

START = "import sys; from channelsync.cli import main; sys.argv = ['channelsync', *sys.argv[1:]]; main()"


def test_a_busy_port_is_one_line(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        result = run_cli("web", "--port", str(port))
    line = assert_one_line(result, f"cannot listen on 127.0.0.1:{port}", "choose another --port")
    assert "Traceback" not in result.err and line.startswith("error:")


def test_web_serves_health_and_pages_until_stopped(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHANNELSYNC_")}
    env["CHANNELSYNC_DATABASE_URL"] = f"sqlite:///{tmp_path / 'web.db'}"
    subprocess.run([sys.executable, "-c", START, "db", "upgrade"], env=env, cwd=tmp_path, check=True, capture_output=True)  # fmt: skip
    server = subprocess.Popen(
        [sys.executable, "-c", START, "web", "--port", "0"],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None
        first = server.stdout.readline()
        assert first.startswith("channelsync web at http://127.0.0.1:"), first
        base = first.split(" at ", 1)[1].strip()
        with httpx.Client(base_url=base, timeout=10) as client:
            for _ in range(100):
                try:
                    health = client.get("/healthz")
                    break
                except httpx.ConnectError:
                    continue
            assert health.json() == {"status": "ok", "database": "ok"}
            invalid = client.get("/quotes/Q-000001/v1/accept?token=abc")
            assert invalid.status_code == 404 and "This link is not valid" in invalid.text
    finally:
        server.send_signal(signal.SIGINT)
        _, err = server.communicate(timeout=20)
    assert server.returncode == 0, err
    assert "token=abc" not in err and "GET /quotes/Q-000001/v1/accept 404" in err
