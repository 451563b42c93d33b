"""Rendering the customer's pages: Jinja2 templates (autoescaped) with the CSP nonce and the palette."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined
from starlette.requests import Request
from starlette.responses import HTMLResponse

from channelsync.web.brand_colours import palette
from quote_engine.documents import QuoteDocument, day, money


@lru_cache(maxsize=1)
def _environment() -> Environment:
    return Environment(
        loader=PackageLoader("channelsync.web", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def csp_nonce(request: Request) -> str:
    """The nonce the security headers allowed for this response's one ``<style>`` block."""
    return str(request.scope.get("state", {}).get("csp_nonce", ""))


def document_helpers(document: QuoteDocument) -> dict[str, Any]:
    """Formatting for a document's page: money and dates in its currency and locale, its language."""
    return {
        "money": lambda amount: money(amount, document.currency, document.locale),
        "day": lambda value: day(value, document.locale),
        "lang": document.locale.split("_")[0],
        "colours": palette(document.brand, document.branding),
    }


def page(
    request: Request, template: str, *, status: int = 200, title: str, **context: Any
) -> HTMLResponse:
    """An HTML page from ``template``; ``lang`` and ``colours`` default to English and the house palette."""
    values: dict[str, Any] = {"lang": "en", "colours": palette(None)}
    values.update(context)
    html = (
        _environment()
        .get_template(template)
        .render(title=title, nonce=csp_nonce(request), **values)
    )
    return HTMLResponse(html, status_code=status)


def message_page(
    request: Request,
    status: int,
    title: str,
    message: str,
    *,
    back_url: str | None = None,
    back_label: str = "",
) -> HTMLResponse:
    """A page that says one thing plainly: a refusal, an invalid link, a wait, a missing service."""
    return page(
        request,
        "message.html.j2",
        status=status,
        title=title,
        message=message,
        back_url=back_url,
        back_label=back_label,
    )
