"""What every link page shares: the token's shape, the guess limit, the refusals, the form cookie."""

from __future__ import annotations

import re
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from channelsync.web.context import WebContext
from channelsync.web.form_tokens import COOKIE_MAX_AGE, cookie_name, new_nonce
from channelsync.web.pages import message_page

# Tokens are URL-safe base64 (``secrets.token_urlsafe``); anything else cannot match one.
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{1,200}$")


def with_token(path: str, token: str) -> str:
    """``path`` with the link's token as its query string."""
    return f"{path}?token={quote(token, safe='')}"


def plausible_token(token: str) -> bool:
    """Whether ``token`` has the shape of a link token at all."""
    return bool(_TOKEN.match(token))


def too_many_guesses(request: Request, ctx: WebContext) -> Response | None:
    """The refusal for a client over the link-guess limit, or None when it may go on."""
    wait = ctx.limiter.retry_after(ctx.client(request))
    if not wait:
        return None
    minutes = max(1, (wait + 59) // 60)
    response = message_page(
        request,
        429,
        "Too many invalid links",
        "Too many links that are not valid were opened from your network. "
        f"Wait {minutes} minute{'s' if minutes != 1 else ''} and open the link from your e-mail again.",
    )
    response.headers["Retry-After"] = str(wait)
    return response


def invalid_link(request: Request, ctx: WebContext) -> HTMLResponse:
    """The one page for every token that matches nothing (counted as a guess): it never says why."""
    ctx.limiter.failed(ctx.client(request))
    return message_page(
        request,
        404,
        "This link is not valid",
        "The link you opened does not match anything we sent. Check that you opened the whole "
        "link from the e-mail, or ask whoever sent it for a new one.",
    )


def form_refused(request: Request, back_url: str) -> HTMLResponse:
    """The page for a form whose cookie or form token does not match (an old page, a foreign site)."""
    return message_page(
        request,
        403,
        "The form could not be accepted",
        "This form was not sent from the page we showed you, or the page is too old. Nothing was "
        "changed. Open the page again (your browser must accept this site's cookie) and send the "
        "form from there.",
        back_url=back_url,
        back_label="Open the page again",
    )


def form_nonce(request: Request, ctx: WebContext) -> str:
    """The form cookie's nonce of this browser, or a new one (``keep_form_cookie`` sets it)."""
    return request.cookies.get(cookie_name(ctx.https)) or new_nonce()


def keep_form_cookie(response: Response, ctx: WebContext, nonce: str) -> Response:
    """Set (or refresh) the form cookie: HttpOnly, SameSite=Lax, Secure under HTTPS, path /."""
    response.set_cookie(
        cookie_name(ctx.https),
        nonce,
        max_age=COOKIE_MAX_AGE,
        path="/",
        secure=ctx.https,
        httponly=True,
        samesite="lax",
    )
    return response


def submitted_nonce(request: Request, ctx: WebContext) -> str | None:
    """The form cookie's nonce a submission came with, if any."""
    return request.cookies.get(cookie_name(ctx.https))


def safe_filename(text: str) -> str:
    """``text`` fit for a Content-Disposition file name."""
    return re.sub(r"[^A-Za-z0-9._-]", "_", text)[:100] or "document"
