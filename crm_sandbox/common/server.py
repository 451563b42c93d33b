"""The sandbox HTTP server: a base app with admin routes, faults and a request log, served in a thread."""

from __future__ import annotations

import json
import socket
import ssl
import struct
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from crm_sandbox.common.faults import Fault, FaultPlan
from crm_sandbox.common.http import Request, Response, Router, json_response

ADMIN_PREFIX = "/__admin"


@dataclass
class LoggedRequest:
    """One served request, as the admin API reports it."""

    at: str
    method: str
    path: str
    query: dict[str, list[str]]
    route: str
    status: int
    body: str


@dataclass
class SandboxApp:
    """Base of a CRM sandbox: subclasses register their routes on ``router`` and admin routes on ``admin``.

    The request log and per-route call counts record every non-admin call, faults included.
    """

    router: Router = field(default_factory=Router)
    admin: Router = field(default_factory=Router)
    faults: FaultPlan = field(default_factory=FaultPlan)
    log_bodies: bool = True
    _log: list[LoggedRequest] = field(default_factory=list)
    _calls: Counter[str] = field(default_factory=Counter)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self.admin.add("GET", ADMIN_PREFIX + "/requests", "admin.requests", self._admin_requests)
        self.admin.add("GET", ADMIN_PREFIX + "/calls", "admin.calls", self._admin_calls)
        self.admin.add("DELETE", ADMIN_PREFIX + "/requests", "admin.reset_log", self._admin_reset)
        self.admin.add("POST", ADMIN_PREFIX + "/faults", "admin.add_fault", self._admin_add_fault)
        self.admin.add("GET", ADMIN_PREFIX + "/faults", "admin.faults", self._admin_faults)
        self.admin.add("DELETE", ADMIN_PREFIX + "/faults", "admin.clear_faults", self._admin_clear)

    # -- hooks for subclasses -------------------------------------------------------------
    def not_found(self, request: Request) -> Response:
        """Body for an unknown path; subclasses answer in their CRM's error format."""
        return json_response({"message": f"no route for {request.method} {request.path}"}, 404)

    def internal_error(self, request: Request, exc: Exception) -> Response:
        """Body for an unexpected handler error; subclasses answer in their CRM's error format."""
        return json_response({"message": f"sandbox error: {exc}"}, 500)

    def decorate(self, request: Request, response: Response) -> None:
        """Add headers every response carries (limits, request ids); called for every CRM call."""

    # -- Python admin API ------------------------------------------------------------------
    def add_fault(self, fault: Fault) -> None:
        """Inject a fault (see :class:`Fault`)."""
        self.faults.add(fault)

    def requests(self, route: str | None = None) -> list[LoggedRequest]:
        """Served requests, oldest first, optionally only one route's."""
        with self._lock:
            return [r for r in self._log if route is None or r.route == route]

    def calls(self) -> dict[str, int]:
        """Number of calls per route name."""
        with self._lock:
            return dict(self._calls)

    def reset_log(self) -> None:
        """Forget the request log and call counts."""
        with self._lock:
            self._log.clear()
            self._calls.clear()

    # -- dispatch --------------------------------------------------------------------------
    def dispatch(self, request: Request) -> tuple[Response, Fault | None]:
        """Run a request through admin routes, faults and the CRM routes."""
        if request.path.startswith(ADMIN_PREFIX):
            found = self.admin.match(request)
            if found is None:
                return json_response({"message": "unknown admin route"}, 404), None
            return found[1](request), None
        found = self.router.match(request)
        fault = self.faults.take(request.route if found else "?")
        if found is None:
            response = self.not_found(request)
        elif fault is not None and fault.kind == "status":
            response = Response(fault.status, fault.body, dict(fault.headers))
            response.headers.setdefault("Content-Type", "application/json;charset=UTF-8")
        else:
            if fault is not None and fault.kind == "latency":
                time.sleep(fault.delay_s)
            try:
                response = found[1](request)
            except Exception as exc:  # a sandbox bug must answer, not hang the client
                response = self.internal_error(request, exc)
        self.decorate(request, response)
        self._record(request, response)
        return response, fault

    def _record(self, request: Request, response: Response) -> None:
        body = request.body.decode("utf-8", "replace") if self.log_bodies else ""
        entry = LoggedRequest(
            at=datetime.now(UTC).isoformat(),
            method=request.method,
            path=request.path,
            query=request.query,
            route=request.route or "?",
            status=response.status,
            body=body,
        )
        with self._lock:
            self._log.append(entry)
            self._calls[entry.route] += 1

    # -- admin HTTP handlers ---------------------------------------------------------------
    def _admin_requests(self, request: Request) -> Response:
        route = request.arg("route")
        return json_response([r.__dict__ for r in self.requests(route)])

    def _admin_calls(self, request: Request) -> Response:
        return json_response(self.calls())

    def _admin_reset(self, request: Request) -> Response:
        self.reset_log()
        return Response(204)

    def _admin_add_fault(self, request: Request) -> Response:
        try:
            self.add_fault(Fault.from_json(request.json()))
        except (ValueError, TypeError) as exc:
            return json_response({"message": str(exc)}, 400)
        return Response(204)

    def _admin_faults(self, request: Request) -> Response:
        return json_response(
            [
                {**f.__dict__, "body": f.body.decode("utf-8", "replace")}
                for f in self.faults.pending()
            ]
        )

    def _admin_clear(self, request: Request) -> Response:
        self.faults.clear()
        return Response(204)


def _make_handler(app: SandboxApp) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # Headers and body go out as separate writes: without TCP_NODELAY, Nagle plus the
        # client's delayed ACK adds ~40 ms to every keep-alive response.
        disable_nagle_algorithm = True

        def log_message(self, format: str, *args: Any) -> None:  # quiet by default
            return

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            request = Request.parse(self.command, self.path, dict(self.headers.items()), body)
            response, fault = app.dispatch(request)
            payload = response.body
            if fault is not None and fault.kind == "truncate":
                payload = payload[: max(1, len(payload) // 2)]
            elif fault is not None and fault.kind == "malformed":
                payload = b'{"records": [{"Id": "001'
            self.send_response(response.status)
            for key, value in response.headers.items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            if fault is not None and fault.kind == "reset":
                self.wfile.write(payload[: len(payload) // 2])
                self.wfile.flush()
                # SO_LINGER 0 makes close() send a TCP RST: the client sees a reset mid-response.
                self.connection.setsockopt(
                    socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)
                )
                self.close_connection = True
                return
            if self.command != "HEAD":
                self.wfile.write(payload)

        do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = do_HEAD = _serve  # noqa: N815

    return Handler


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(
        self,
        addr: tuple[str, int],
        handler: type[BaseHTTPRequestHandler],
        tls: ssl.SSLContext | None,
    ) -> None:
        super().__init__(addr, handler)
        self._tls = tls

    def get_request(self) -> tuple[socket.socket, Any]:
        sock, addr = super().get_request()
        if self._tls is not None:
            sock = self._tls.wrap_socket(sock, server_side=True)
        return sock, addr

    def handle_error(self, request: Any, client_address: Any) -> None:
        return  # dropped client connections are normal in fault tests


@dataclass
class RunningSandbox:
    """A sandbox serving in a background thread; ``stop()`` shuts it down."""

    app: SandboxApp
    base_url: str
    host: str
    port: int
    _server: _Server
    _thread: threading.Thread

    def stop(self) -> None:
        """Stop serving and close the socket."""
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


def _bind(app: SandboxApp, host: str, port: int, tls: ssl.SSLContext | None) -> _Server:
    return _Server((host, port), _make_handler(app), tls)


def start_in_thread(
    app: SandboxApp, *, host: str = "127.0.0.1", port: int = 0, tls: ssl.SSLContext | None = None
) -> RunningSandbox:
    """Serve ``app`` on ``host:port`` (0 = a free port) in a daemon thread; returns its base URL."""
    server = _bind(app, host, port, tls)
    real_port = server.server_address[1]
    scheme = "https" if tls is not None else "http"
    # A short poll interval makes stop() return promptly (tests start and stop many servers).
    thread = threading.Thread(
        target=server.serve_forever,
        kwargs={"poll_interval": 0.05},
        name=f"sandbox-{real_port}",
        daemon=True,
    )
    thread.start()
    return RunningSandbox(app, f"{scheme}://{host}:{real_port}", host, real_port, server, thread)


class BindError(Exception):
    """The sandbox cannot listen on the address asked for (in use, not local, not allowed)."""


def serve_forever(
    app: SandboxApp,
    *,
    host: str,
    port: int,
    tls: ssl.SSLContext | None = None,
    ready: Callable[[str], None] | None = None,
) -> None:
    """Serve in the foreground until interrupted (the CLI's ``sandbox serve``).

    Raises BindError (with the system's reason) when ``host:port`` cannot be listened on.
    """
    try:
        server = _bind(app, host, port, tls)
    except (OSError, OverflowError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        raise BindError(f"cannot listen on {host}:{port}: {reason}") from None
    scheme = "https" if tls is not None else "http"
    if ready is not None:
        ready(f"{scheme}://{host}:{server.server_address[1]}")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


def dumps(payload: Any) -> bytes:
    """Compact JSON bytes (shared by the sandboxes)."""
    return json.dumps(payload, separators=(",", ":")).encode()
