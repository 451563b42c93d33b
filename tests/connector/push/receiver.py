"""A PRM webhook receiver for tests: an HTTP server on 127.0.0.1 in a thread, answering as scripted.

It records every request (path, headers, raw body) as it arrives, counts the event ids it
*accepted* (answered 2xx), and can park a request (hold the answer until the test opens a gate),
answer late, or reset the connection.
"""

from __future__ import annotations

import socket
import struct
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

#: The longest a parked request waits for its gate: a test that forgets to open it fails, never hangs.
PARK_CAP_S = 60.0


@dataclass(frozen=True)
class Received:
    """One request as it arrived."""

    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def event_id(self) -> str:
        """The X-Channelsync-Event-Id header."""
        return self.headers.get("x-channelsync-event-id", "")


@dataclass
class Answer:
    """How to answer one request: status, headers, body; or park it first, sleep first, or reset."""

    status: int = 204
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    park: threading.Event | None = None
    sleep_s: float = 0.0
    reset: bool = False


class Receiver:
    """Records requests; ``answer(request)`` decides each answer (default: 204)."""

    def __init__(self, answer: Callable[[Received], Answer] | None = None) -> None:
        self.answer = answer or (lambda _r: Answer())
        self.received: list[Received] = []
        self.accepted: Counter[str] = Counter()
        self.arrived = threading.Event()
        self.parked_done = threading.Event()
        self.lock = threading.Lock()
        self.port = 0

    def url(self, path: str = "/hooks") -> str:
        """Where the receiver listens."""
        return f"http://127.0.0.1:{self.port}{path}"

    def handler(self) -> type[BaseHTTPRequestHandler]:
        """The request handler class bound to this receiver."""
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: object) -> None:
                return

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length)
                request = Received(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                with receiver.lock:
                    receiver.received.append(request)
                receiver.arrived.set()
                answer = receiver.answer(request)
                if answer.park is not None:
                    answer.park.wait(PARK_CAP_S)
                    receiver.parked_done.set()
                if answer.sleep_s:
                    time.sleep(answer.sleep_s)
                if answer.reset:
                    # SO_LINGER 0: close sends RST, the client sees the connection reset.
                    self.connection.setsockopt(
                        socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)
                    )
                    self.close_connection = True
                    return
                try:
                    self.send_response(answer.status)
                    for name, value in answer.headers.items():
                        self.send_header(name, value)
                    self.send_header("Content-Length", str(len(answer.body)))
                    self.end_headers()
                    self.wfile.write(answer.body)
                    self.wfile.flush()
                except OSError:
                    return  # the sender is gone: nothing was accepted
                if 200 <= answer.status < 300:
                    with receiver.lock:
                        receiver.accepted[request.event_id] += 1

        return Handler

    def ids(self) -> list[str]:
        """The event ids of every request received, in arrival order."""
        with self.lock:
            return [r.event_id for r in self.received]


@contextmanager
def running(receiver: Receiver) -> Iterator[Receiver]:
    """Serve ``receiver`` on a free port of 127.0.0.1 for the duration of the block."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), receiver.handler())
    server.daemon_threads = True
    receiver.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
