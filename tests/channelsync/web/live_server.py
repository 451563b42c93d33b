"""The web app served by uvicorn on a thread (127.0.0.1, a free port), for browser tests."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import uvicorn
from sqlalchemy.engine import Engine

from channelsync.web.app import build_app
from channelsync.web.server import bind
from channelsync.web.settings import WebSettings


@contextmanager
def live_server(
    engine: Engine, before_start: Callable[[str], None] = lambda url: None
) -> Iterator[str]:
    """Serve the app on ``engine``; yields its base URL (``before_start`` gets it first)."""
    sock = bind("127.0.0.1", 0)
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    before_start(url)
    config = uvicorn.Config(build_app(engine, settings=WebSettings()), access_log=False, log_level="warning")  # fmt: skip
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    assert server.started, "the web app did not start within 10 s"
    try:
        yield url
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()
