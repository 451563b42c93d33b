"""Running the web app under uvicorn on a socket bound first, so a busy port is one clear line."""

from __future__ import annotations

import logging
import socket
from collections.abc import Callable

import uvicorn

from channelsync.web.app import build_app
from channelsync.web.core_renewals import CoreRenewals
from order_core.db import make_engine
from order_core.errors import DomainError
from order_core.settings import get_settings


def bind(host: str, port: int) -> socket.socket:
    """A listening TCP socket on ``host:port``; DomainError naming the address when it cannot be."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(128)
    except OSError as exc:
        sock.close()
        raise DomainError(
            f"cannot listen on {host}:{port}: {exc.strerror or exc}; choose another --port "
            "(0 picks a free one) or a --host of this machine"
        ) from None
    return sock


def serve(host: str, port: int, ready: Callable[[str], None]) -> None:
    """Serve the app on ``host:port`` until interrupted; ``ready`` gets the address it listens on."""
    engine = make_engine(get_settings().database_url)
    app = build_app(engine, renewals=CoreRenewals())
    sock = bind(host, port)
    bound_port = sock.getsockname()[1]
    shown = f"[{host}]" if ":" in host else host
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    # uvicorn's own access log prints query strings, where links carry their tokens: it stays off,
    # and SecurityHeaders logs method, path, status and time instead.
    config = uvicorn.Config(
        app, access_log=False, proxy_headers=False, server_header=False, log_level="warning"
    )
    ready(f"http://{shown}:{bound_port}")
    try:
        uvicorn.Server(config).run(sockets=[sock])
    except KeyboardInterrupt:  # uvicorn re-raises the Ctrl-C it shut down on: a clean stop
        pass
    finally:
        sock.close()
        engine.dispose()
