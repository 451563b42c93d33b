"""The quote document behind a signed read-only link (written on CRM deals for the vendor's sales ops).

Only the PDF, inline: no page, no form, nothing to accept or decline. A signature that does not
sign the quote version named (tampered, another quote's, links not configured) gets the one
"not valid" page and counts against the client's link-guess limit, as a bad customer token does.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from channelsync.web.context import web_context
from channelsync.web.link_pages import (
    invalid_link,
    plausible_token,
    safe_filename,
    too_many_guesses,
)
from order_core.actors import Actor
from order_core.errors import NotFoundError
from order_core.quotes.document_links import signed_quote_pdf

#: Who opens a document through its signed link (recorded nowhere: the link only reads).
DOCUMENT_ACTOR = Actor.system("document-link")


async def signed_document(request: Request) -> Response:
    """GET the quote version's PDF for a valid signature."""
    ctx = web_context(request)
    if refused := too_many_guesses(request, ctx):
        return refused
    number, version = request.path_params["number"], request.path_params["version"]
    signature = request.query_params.get("sig", "")
    if not plausible_token(signature):
        return invalid_link(request, ctx)
    try:
        data = await ctx.call(
            lambda s: signed_quote_pdf(number, version, signature, session=s, actor=DOCUMENT_ACTOR)
        )
    except NotFoundError:
        return invalid_link(request, ctx)
    name = safe_filename(f"quote-{number}-v{version}")
    return Response(
        data,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'inline; filename="{name}.pdf"',
            "Cache-Control": "no-store",
        },
    )
