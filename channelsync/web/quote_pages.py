"""The end customer's quote pages: read the quote, accept or decline it, download its PDF and invoice."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
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
    safe_filename,
    submitted_nonce,
    too_many_guesses,
    with_token,
)
from channelsync.web.pages import document_helpers, message_page, page
from order_core.errors import (
    ConflictError,
    DomainError,
    InvalidTransition,
    NotFoundError,
    ValidationFailed,
)
from order_core.quotes.acceptance import accept_quote, decline_quote
from order_core.quotes.customer_link import customer_quote, customer_quote_pdf
from order_core.quotes.resale_invoice import customer_invoice_pdf

_log = logging.getLogger("channelsync.web")
#: Form fields the customer fills in, and the service fields whose problems they show.
_CUSTOMER_FIELDS = {"accepted_by": "name", "email": "email", "po_number": "po_number"}


@dataclass(frozen=True)
class QuoteLink:
    """The quote version a request names (path) and the token it carries (query or form)."""

    number: str
    version: int
    token: str

    @property
    def base(self) -> str:
        """The path every page of this quote version hangs under."""
        return f"/quotes/{escape(self.number, safe='')}/v{self.version}"

    @property
    def page_url(self) -> str:
        """The quote page, as the e-mail links it."""
        return with_token(f"{self.base}/accept", self.token)

    def form(self, action: str) -> str:
        """The name a form's token is bound to."""
        return f"{action}:{self.number}:{self.version}"


def _link(request: Request, token: str) -> QuoteLink:
    return QuoteLink(request.path_params["number"], request.path_params["version"], token)


async def _quote_page(
    request: Request,
    ctx: WebContext,
    link: QuoteLink,
    *,
    status: int = 200,
    errors: Mapping[str, str] | None = None,
    values: Mapping[str, str] | None = None,
) -> Response:
    if not plausible_token(link.token):
        return invalid_link(request, ctx)
    try:
        view = await ctx.call(
            lambda s: customer_quote(
                link.number, link.version, link.token, session=s, actor=LINK_ACTOR
            )
        )
    except NotFoundError:
        return invalid_link(request, ctx)
    nonce = form_nonce(request, ctx)
    document = view.document
    response = page(
        request,
        "quote.html.j2",
        status=status,
        title=f"Quote {document.number} from {document.seller.name}",
        view=view,
        doc=document,
        link=link,
        token=link.token,
        accept_token=form_token(nonce, link.form("accept"), link.token),
        decline_token=form_token(nonce, link.form("decline"), link.token),
        pdf_url=with_token(f"{link.base}/quote.pdf", link.token),
        invoice_url=with_token(f"{link.base}/invoice.pdf", link.token),
        errors=dict(errors or {}),
        values=dict(values or {}),
        **document_helpers(document),
    )
    return keep_form_cookie(response, ctx, nonce)


async def show_quote(request: Request) -> Response:
    """GET the quote page of a link: the quote, its state, and the forms while it is open."""
    ctx = web_context(request)
    if refused := too_many_guesses(request, ctx):
        return refused
    return await _quote_page(request, ctx, _link(request, request.query_params.get("token", "")))


async def _submission(
    request: Request, ctx: WebContext, action: str
) -> tuple[QuoteLink, dict[str, str]] | Response:
    """The link and form of a POST, or the response refusing it (limit, bad form, CSRF, bad token)."""
    if refused := too_many_guesses(request, ctx):
        return refused
    try:
        form = await read_form(request)
    except BadForm as exc:
        return message_page(request, exc.status, "The form could not be read", exc.message)
    link = _link(request, form.get("token", ""))
    if not plausible_token(link.token):
        return invalid_link(request, ctx)
    nonce = submitted_nonce(request, ctx)
    if not form_token_valid(nonce, link.form(action), link.token, form.get("form_token")):
        return form_refused(request, link.page_url)
    return link, form


def _refusal(request: Request, link: QuoteLink, title: str, exc: DomainError) -> Response:
    """A state refusal says the core's plain sentence; any other failure names no internals."""
    if isinstance(exc, ConflictError | InvalidTransition):
        message = exc.message
    else:
        _log.warning("%s of quote %s v%d failed: %s", title, link.number, link.version, exc.message)
        message = (
            "Nothing was recorded. Please contact the seller who sent you this quote; they can "
            "see what went wrong."
        )
    return message_page(
        request, 409, title, message, back_url=link.page_url, back_label="See the quote"
    )


def _customer_errors(exc: ValidationFailed) -> dict[str, str] | None:
    """Form errors for problems with what the customer typed, or None when the problem is elsewhere."""
    errors = {_CUSTOMER_FIELDS.get(p.field, ""): p.reason for p in exc.problems}
    return None if "" in errors else errors


async def accept(request: Request) -> Response:
    """POST the acceptance (name, e-mail, PO number): one order, then the page says it is accepted."""
    ctx = web_context(request)
    submitted = await _submission(request, ctx, "accept")
    if isinstance(submitted, Response):
        return submitted
    link, form = submitted
    name = " ".join(form.get("name", "").split())
    email = form.get("email", "").strip()
    po_number = form.get("po_number", "").strip()
    errors: dict[str, str] = {}
    if not name:
        errors["name"] = "Enter the name of the person accepting the quote."
    if not email:
        errors["email"] = "Enter an e-mail address for the invoice."
    if len(po_number) > 80:
        errors["po_number"] = "A PO number has at most 80 characters."
    if not errors:
        try:
            await ctx.call(
                lambda s: accept_quote(
                    link.number,
                    link.version,
                    link.token,
                    name,
                    session=s,
                    actor=LINK_ACTOR,
                    email=email,
                    po_number=po_number or None,
                )
            )
        except NotFoundError:
            return invalid_link(request, ctx)
        except ValidationFailed as exc:
            found = _customer_errors(exc)
            if found is None:
                return _refusal(request, link, "The quote could not be accepted", exc)
            errors = found
        except DomainError as exc:
            return _refusal(request, link, "The quote could not be accepted", exc)
    if errors:
        return await _quote_page(request, ctx, link, status=400, errors=errors, values=form)
    return RedirectResponse(link.page_url, status_code=303)


async def decline(request: Request) -> Response:
    """POST the decline with a reason; then the page says the quote was declined."""
    ctx = web_context(request)
    submitted = await _submission(request, ctx, "decline")
    if isinstance(submitted, Response):
        return submitted
    link, form = submitted
    reason = form.get("reason", "").strip()
    if not reason:
        errors = {"reason": "Tell the seller why you decline the quote."}
        return await _quote_page(request, ctx, link, status=400, errors=errors, values=form)
    try:
        await ctx.call(
            lambda s: decline_quote(
                link.number, link.version, link.token, reason, session=s, actor=LINK_ACTOR
            )
        )
    except NotFoundError:
        return invalid_link(request, ctx)
    except DomainError as exc:
        return _refusal(request, link, "The quote could not be declined", exc)
    return RedirectResponse(link.page_url, status_code=303)


def _pdf(data: bytes, name: str) -> Response:
    return Response(
        data,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{safe_filename(name)}.pdf"'},
    )


async def quote_pdf(request: Request) -> Response:
    """GET the quote as a PDF (resale prices only), for the link's holder."""
    ctx = web_context(request)
    if refused := too_many_guesses(request, ctx):
        return refused
    link = _link(request, request.query_params.get("token", ""))
    if not plausible_token(link.token):
        return invalid_link(request, ctx)
    try:
        data = await ctx.call(
            lambda s: customer_quote_pdf(
                link.number, link.version, link.token, session=s, actor=LINK_ACTOR
            )
        )
    except NotFoundError:
        return invalid_link(request, ctx)
    return _pdf(data, f"quote-{link.number}-v{link.version}")


async def invoice_pdf(request: Request) -> Response:
    """GET the customer's invoice of an accepted quote as a PDF, for the link's holder."""
    ctx = web_context(request)
    if refused := too_many_guesses(request, ctx):
        return refused
    link = _link(request, request.query_params.get("token", ""))
    if not plausible_token(link.token):
        return invalid_link(request, ctx)
    try:
        data = await ctx.call(
            lambda s: customer_invoice_pdf(
                link.number, link.version, link.token, session=s, actor=LINK_ACTOR
            )
        )
    except NotFoundError:
        return invalid_link(request, ctx)
    except ConflictError:
        return message_page(
            request,
            409,
            "No invoice yet",
            "The invoice is issued when the quote is accepted; this quote is not accepted.",
            back_url=link.page_url,
            back_label="See the quote",
        )
    return _pdf(data, f"invoice-{link.number}-v{link.version}")
