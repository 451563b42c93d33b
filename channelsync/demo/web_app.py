"""The demo's web app: the app of ``channelsync web`` (the end customer's link pages, the self-renew
page on the order core) served by uvicorn on a thread at 127.0.0.1, with the public address the
e-mailed links name (``CHANNELSYNC_PUBLIC_BASE_URL``) set to it while the demo runs, so every link
in the demo's e-mails opens on it."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn

from channelsync.web.app import build_app
from channelsync.web.core_renewals import CoreRenewals
from channelsync.web.server import bind
from order_core.db import make_engine
from order_core.settings import get_settings

PUBLIC_BASE_URL = "CHANNELSYNC_PUBLIC_BASE_URL"


@contextmanager
def _public_base_url(url: str) -> Iterator[None]:
    previous = os.environ.get(PUBLIC_BASE_URL)
    os.environ[PUBLIC_BASE_URL] = url
    get_settings.cache_clear()
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop(PUBLIC_BASE_URL, None)
        else:
            os.environ[PUBLIC_BASE_URL] = previous
        get_settings.cache_clear()


@contextmanager
def running_web_app(database_url: str) -> Iterator[str]:
    """The web app on the core at ``database_url`` for the duration of the block; its base URL."""
    sock = bind("127.0.0.1", 0)
    base = f"http://127.0.0.1:{sock.getsockname()[1]}"
    engine = make_engine(database_url)
    try:
        with _public_base_url(base):
            app = build_app(engine, renewals=CoreRenewals())
            # uvicorn's access log prints query strings, where links carry their tokens: off
            config = uvicorn.Config(
                app, access_log=False, proxy_headers=False, server_header=False, log_level="warning"
            )
            server = uvicorn.Server(config)
            thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
            thread.start()
            deadline = time.monotonic() + 10
            while not server.started and thread.is_alive() and time.monotonic() < deadline:
                time.sleep(0.02)
            if not server.started:
                raise RuntimeError(f"the demo's web app did not start on {base}")
            try:
                yield base
            finally:
                server.should_exit = True
                thread.join(10)
    finally:
        sock.close()
        engine.dispose()
