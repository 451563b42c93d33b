"""What every handler of the web app shares: the engine, the limits, the settings it was built with."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from pydantic import SecretStr
from sqlalchemy.engine import Engine
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from channelsync.web.inputs import client_address
from channelsync.web.link_limits import LinkGuessLimiter
from channelsync.web.renewal_service import RenewalService
from order_core.actors import Actor
from order_core.db import session_scope

R = TypeVar("R")

#: Who acts when an end customer uses a link (recorded by name in the audit log).
LINK_ACTOR = Actor.system("customer-link")


@dataclass(frozen=True)
class WebContext:
    """The app's shared state (``app.state.web``)."""

    engine: Engine
    limiter: LinkGuessLimiter
    trusted_proxies: frozenset[str]
    public_base_url: str
    renewals: RenewalService | None
    webhook_secret: SecretStr | None
    webhook_connection: str

    @property
    def https(self) -> bool:
        """Whether customers reach the app over HTTPS (secure cookies, HSTS)."""
        return self.public_base_url.lower().startswith("https://")

    def client(self, request: Request) -> str:
        """The client's address, for the link-guess limit."""
        return client_address(request, self.trusted_proxies)

    async def call(self, fn: Callable[[Session], R]) -> R:
        """Run ``fn`` with a fresh session on a worker thread (the core's services are blocking)."""

        def work() -> R:
            with session_scope(self.engine) as session:
                return fn(session)

        return await run_in_threadpool(work)


def web_context(request: Request) -> WebContext:
    """The context of the app serving ``request``."""
    value = request.app.state.web
    assert isinstance(value, WebContext)
    return value
