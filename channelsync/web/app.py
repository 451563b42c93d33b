"""The ASGI app: the customer's link pages, documents, health and webhooks, under the security headers."""

from __future__ import annotations

from sqlalchemy.engine import Engine
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp

from channelsync.web.context import WebContext
from channelsync.web.document_pages import signed_document
from channelsync.web.headers import SecurityHeaders
from channelsync.web.health import healthz
from channelsync.web.hubspot_webhooks import hubspot_webhook
from channelsync.web.link_limits import LinkGuessLimiter
from channelsync.web.pages import message_page
from channelsync.web.quote_pages import accept, decline, invoice_pdf, quote_pdf, show_quote
from channelsync.web.renewal_pages import renew, show_renewal
from channelsync.web.renewal_service import RenewalService
from channelsync.web.settings import WebSettings, web_settings
from order_core.settings import get_settings

QUOTE = "/quotes/{number}/v{version:int}"


async def _not_found(request: Request, exc: Exception) -> Response:
    return message_page(
        request,
        404,
        "Page not found",
        "There is no page at this address. Open the link from your e-mail.",
    )


async def _not_allowed(request: Request, exc: Exception) -> Response:
    return message_page(
        request,
        405,
        "Not allowed",
        "This page cannot be used that way. Open the link from your e-mail.",
    )


async def _server_error(request: Request, exc: Exception) -> Response:
    return message_page(
        request,
        500,
        "Something went wrong",
        "The page could not be shown and nothing was changed. Try again in a few minutes.",
    )


def build_app(
    engine: Engine,
    *,
    settings: WebSettings | None = None,
    renewals: RenewalService | None = None,
    limiter: LinkGuessLimiter | None = None,
) -> ASGIApp:
    """The web app on ``engine``; ``renewals`` is the renewal service (None: not available yet)."""
    web = settings or web_settings()
    context = WebContext(
        engine=engine,
        limiter=limiter
        or LinkGuessLimiter(web.web_link_failures, web.web_link_failure_window_seconds),
        trusted_proxies=frozenset(
            p.strip() for p in web.web_trusted_proxies.split(",") if p.strip()
        ),
        public_base_url=get_settings().public_base_url,
        renewals=renewals,
        webhook_secret=web.hubspot_webhook_secret,
        webhook_connection=web.hubspot_webhook_connection,
    )
    routes = [
        Route(f"{QUOTE}/accept", show_quote, methods=["GET"]),
        Route(f"{QUOTE}/accept", accept, methods=["POST"]),
        Route(f"{QUOTE}/decline", decline, methods=["POST"]),
        Route(f"{QUOTE}/quote.pdf", quote_pdf, methods=["GET"]),
        Route(f"{QUOTE}/invoice.pdf", invoice_pdf, methods=["GET"]),
        Route(
            "/documents/quotes/{number}/v{version:int}/quote.pdf", signed_document, methods=["GET"]
        ),
        Route("/renewals/{reference}", show_renewal, methods=["GET"]),
        Route("/renewals/{reference}/renew", renew, methods=["POST"]),
        Route("/healthz", healthz, methods=["GET"]),
        Route("/webhooks/hubspot", hubspot_webhook, methods=["POST"]),
        Mount("/static", StaticFiles(packages=[("channelsync.web", "static")]), name="static"),
    ]
    app = Starlette(
        routes=routes,
        exception_handlers={404: _not_found, 405: _not_allowed, 500: _server_error},
    )
    app.state.web = context
    return SecurityHeaders(app, https=context.https)
