"""Deterministic, per-route fault injection: the next N matching calls fail in a chosen way."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Literal

FaultKind = Literal["status", "latency", "reset", "truncate", "malformed", "batch-failed"]
#: Kinds that act on one HTTP call (the server takes them per request).
REQUEST_KINDS = frozenset({"status", "latency", "reset", "truncate", "malformed"})


@dataclass
class Fault:
    """One injected fault.

    ``route`` is a route name (see each sandbox's router) or ``"*"`` for every route. ``kind``:
    ``status`` answers ``status`` with ``body``/``headers`` instead of running the handler;
    ``latency`` sleeps ``delay_s`` then runs the handler; ``reset`` runs the handler, sends part of
    the response and resets the connection; ``truncate`` cuts the JSON body short (with a matching
    Content-Length); ``malformed`` replaces the body with invalid JSON; ``batch-failed`` is not
    about one HTTP call: an asynchronous job batch (route ``bulk1.batch`` in the Salesforce sandbox)
    ends Failed with ``body`` as its state message. ``times`` is how many calls (or batches) it
    hits (``None``: until cleared); ``skip`` lets that many matching ones through first.
    """

    route: str
    kind: FaultKind = "status"
    status: int = 500
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay_s: float = 0.0
    times: int | None = 1
    skip: int = 0

    @classmethod
    def from_json(cls, data: dict[str, object]) -> Fault:
        """Build a fault from the admin API's JSON (``body`` may be a string or JSON value)."""
        import json

        body = data.get("body", b"")
        if isinstance(body, str):
            raw = body.encode()
        elif isinstance(body, bytes):
            raw = body
        else:
            raw = json.dumps(body).encode()
        headers = data.get("headers") or {}
        if not isinstance(headers, dict):
            raise ValueError("fault 'headers' must be an object")
        times = data.get("times", 1)
        kind = str(data.get("kind", "status"))
        if kind not in (*REQUEST_KINDS, "batch-failed"):
            raise ValueError(f"unknown fault kind {kind!r}")
        return cls(
            route=str(data.get("route", "*")),
            kind=kind,  # type: ignore[arg-type]
            status=int(str(data.get("status", 500))),
            body=raw,
            headers={str(k): str(v) for k, v in headers.items()},
            delay_s=float(str(data.get("delay_s", 0.0))),
            times=None if times is None else int(str(times)),
            skip=int(str(data.get("skip", 0))),
        )


class FaultPlan:
    """Thread-safe list of pending faults, consumed in the order they were added."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []

    def add(self, fault: Fault) -> None:
        """Queue a fault."""
        with self._lock:
            self._faults.append(fault)

    def clear(self) -> None:
        """Drop every pending fault."""
        with self._lock:
            self._faults.clear()

    def pending(self) -> list[Fault]:
        """A copy of the faults still pending."""
        with self._lock:
            return list(self._faults)

    def take(self, route: str, kinds: frozenset[str] = REQUEST_KINDS) -> Fault | None:
        """The fault of one of ``kinds`` that applies to this call of ``route``, consuming one use."""
        with self._lock:
            for fault in self._faults:
                if fault.route not in ("*", route) or fault.kind not in kinds:
                    continue
                if fault.skip > 0:
                    fault.skip -= 1
                    continue
                if fault.times is not None:
                    fault.times -= 1
                    if fault.times <= 0:
                        self._faults.remove(fault)
                return fault
            return None
