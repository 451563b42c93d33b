"""The self-renew page of a renewal notice link, against ``renewal_service.RenewalService``.

Without a renewal service the page says plainly that renewing online is not available yet.
"""

from __future__ import annotations

import logging
from urllib.parse import quote as escape

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from channelsync.web.context import LINK_ACTOR, WebContext, web_context
from channelsync.web.form_tokens import form_token, form_token_valid
from channelsync.web.inputs import BadForm, read_form
from channelsync.web.link_pages import (
    form_nonce,
    form_refused,
    invalid_link,
    keep_form_cookie,
    plausible_token,
    submitted_nonce,
    too_many_guesses,
    with_token,
)
from channelsync.web.pages import document_helpers, message_page, page
from channelsync.web.renewal_service import RenewalService
from order_core.errors import ConflictError, DomainError, InvalidTransition, NotFoundError

_log = logging.getLogger("channelsync.web")


def _not_available(request: Request) -> Response:
    return message_page(
        request,
        501,
        "Renewing online is not available yet",
        "This site cannot renew subscriptions yet. To renew, reply to the renewal e-mail or "
        "contact the reseller who sold you the subscription.",
    )


def _page_url(reference: str, token: str) -> str:
    return with_token(f"/renewals/{escape(reference, safe='')}", token)


async def _renewal_page(
    request: Request,
    ctx: WebContext,
    service: RenewalService,
    reference: str,
    token: str,
    *,
    status: int = 200,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
) -> Response:
    if not plausible_token(token):
        return invalid_link(request, ctx)
    try:
        view = await ctx.call(
            lambda s: service.renewal_view(reference, token, session=s, actor=LINK_ACTOR)
        )
    except NotFoundError:
        return invalid_link(request, ctx)
    nonce = form_nonce(request, ctx)
    response = page(
        request,
        "renewal.html.j2",
        status=status,
        title=f"Renew {view.subscription}",
        view=view,
        doc=view.document,
        token=token,
        action=f"/renewals/{escape(reference, safe='')}/renew",
        renew_token=form_token(nonce, f"renew:{reference}", token),
        errors=errors or {},
        values=values or {},
        **document_helpers(view.document),
    )
    return keep_form_cookie(response, ctx, nonce)


async def show_renewal(request: Request) -> Response:
    """GET the self-renew page of a renewal notice link."""
    ctx = web_context(request)
    if ctx.renewals is None:
        return _not_available(request)
    if refused := too_many_guesses(request, ctx):
        return refused
    reference = request.path_params["reference"]
    token = request.query_params.get("token", "")
    return await _renewal_page(request, ctx, ctx.renewals, reference, token)


async def renew(request: Request) -> Response:
    """POST the customer's renewal (name, e-mail, PO number); then the page says it is renewed."""
    ctx = web_context(request)
    service = ctx.renewals
    if service is None:
        return _not_available(request)
    if refused := too_many_guesses(request, ctx):
        return refused
    try:
        form = await read_form(request)
    except BadForm as exc:
        return message_page(request, exc.status, "The form could not be read", exc.message)
    reference = request.path_params["reference"]
    token = form.get("token", "")
    if not plausible_token(token):
        return invalid_link(request, ctx)
    page_url = _page_url(reference, token)
    nonce = submitted_nonce(request, ctx)
    if not form_token_valid(nonce, f"renew:{reference}", token, form.get("form_token")):
        return form_refused(request, page_url)
    name = " ".join(form.get("name", "").split())
    email = form.get("email", "").strip()
    po_number = form.get("po_number", "").strip()[:80] or None
    errors: dict[str, str] = {}
    if not name:
        errors["name"] = "Enter the name of the person renewing."
    if not email:
        errors["email"] = "Enter an e-mail address for the invoice."
    if errors:
        return await _renewal_page(
            request, ctx, service, reference, token, status=400, errors=errors, values=form
        )
    try:
        await ctx.call(
            lambda s: service.renew(
                reference,
                token,
                name=name,
                email=email,
                po_number=po_number,
                session=s,
                actor=LINK_ACTOR,
            )
        )
    except NotFoundError:
        return invalid_link(request, ctx)
    except DomainError as exc:
        plain = isinstance(exc, ConflictError | InvalidTransition)
        if not plain:
            _log.warning("renewal %s failed: %s", reference, exc.message)
        message = exc.message if plain else (
            "Nothing was recorded. Please contact the reseller who sold you the subscription; "
            "they can see what went wrong."
        )  # fmt: skip
        return message_page(
            request, 409, "The subscription could not be renewed", message,
            back_url=page_url, back_label="See the renewal",
        )  # fmt: skip
    return RedirectResponse(page_url, status_code=303)
