"""Minimal request/response values and a regex router for the sandbox servers (stdlib only)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs


@dataclass
class Request:
    """One parsed HTTP request as a handler sees it."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes
    params: dict[str, str] = field(default_factory=dict)
    route: str = ""

    @classmethod
    def parse(cls, method: str, target: str, headers: dict[str, str], body: bytes) -> Request:
        """Build a request from the raw method, request target, headers (any case) and body."""
        path, _, qs = target.partition("?")
        return cls(
            method=method.upper(),
            path=path,
            query=parse_qs(qs, keep_blank_values=True),
            headers={k.lower(): v for k, v in headers.items()},
            body=body,
        )

    def arg(self, name: str, default: str | None = None) -> str | None:
        """First value of a query parameter, or ``default``."""
        values = self.query.get(name)
        return values[0] if values else default

    def args(self, name: str) -> list[str]:
        """All values of a (possibly repeated or comma-separated) query parameter."""
        out: list[str] = []
        for value in self.query.get(name, []):
            out.extend(v for v in value.split(",") if v)
        return out

    def json(self) -> Any:
        """The body decoded as JSON; raises ``ValueError`` when it is not valid JSON."""
        if not self.body:
            return None
        return json.loads(self.body.decode("utf-8"))


@dataclass
class Response:
    """An HTTP response a handler returns."""

    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


def json_response(
    payload: Any, status: int = 200, headers: dict[str, str] | None = None
) -> Response:
    """A JSON response with the right content type."""
    hdrs = {"Content-Type": "application/json;charset=UTF-8"}
    hdrs.update(headers or {})
    body = b"" if payload is None else json.dumps(payload, separators=(",", ":")).encode()
    return Response(status=status, body=body, headers=hdrs)


Handler = Callable[[Request], Response]


@dataclass
class _Route:
    method: str
    pattern: re.Pattern[str]
    name: str
    handler: Handler


class Router:
    """Maps (method, path regex) to handlers; each route has a name used by faults and call counts."""

    def __init__(self) -> None:
        self._routes: list[_Route] = []

    def add(self, method: str, pattern: str, name: str, handler: Handler) -> None:
        """Register ``handler`` for ``method`` and a full-match path regex with named groups."""
        self._routes.append(_Route(method.upper(), re.compile(pattern), name, handler))

    def route(self, method: str, pattern: str, name: str) -> Callable[[Handler], Handler]:
        """Decorator form of :meth:`add`."""

        def deco(handler: Handler) -> Handler:
            self.add(method, pattern, name, handler)
            return handler

        return deco

    def match(self, request: Request) -> tuple[str, Handler] | None:
        """Find the route for a request, filling ``request.params``; ``None`` when nothing matches."""
        for r in self._routes:
            m = r.pattern.fullmatch(request.path)
            if m and r.method == request.method:
                request.params = {k: v for k, v in m.groupdict().items() if v is not None}
                request.route = r.name
                return r.name, r.handler
        return None

    def allows_path(self, path: str) -> bool:
        """True when some route matches the path with any method (to answer 405 rather than 404)."""
        return any(r.pattern.fullmatch(path) for r in self._routes)
