"""A partner's PRM for the demo: a tiny HTTP server on 127.0.0.1 that checks each webhook's
signature (HMAC-SHA256 over timestamp, dot, body) and keeps what it received."""

from __future__ import annotations

import hmac
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from pydantic import SecretStr

from connector.push.signing import (
    EVENT_TYPE_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    signature,
)


@dataclass
class Received:
    """One webhook the receiver accepted (its signature checked out)."""

    event_id: str
    event_type: str
    partner_id: int | None


@dataclass
class PrmReceiver:
    """Where the receiver listens, the secret it verifies with, and what it accepted / refused."""

    url: str
    secret: SecretStr
    accepted: list[Received] = field(default_factory=list)
    refused: int = 0


def _handler(receiver: PrmReceiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            stamp = self.headers.get(TIMESTAMP_HEADER, "")
            sent = self.headers.get(SIGNATURE_HEADER, "")
            good = stamp.isdigit() and hmac.compare_digest(
                sent, signature(receiver.secret, int(stamp), body)
            )
            if good:
                document = json.loads(body)
                receiver.accepted.append(
                    Received(
                        str(document["id"]),
                        self.headers.get(EVENT_TYPE_HEADER, ""),
                        document.get("partner_id"),
                    )
                )
            else:
                receiver.refused += 1
            self.send_response(204 if good else 401)
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            """Quiet: the demo prints its own summary."""

    return Handler


@contextmanager
def running_receiver(secret: SecretStr) -> Iterator[PrmReceiver]:
    """The receiver on a free 127.0.0.1 port for the duration of the block."""
    receiver = PrmReceiver("", secret)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(receiver))
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}/channelsync"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
