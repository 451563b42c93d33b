"""Read-only links to a quote version's document for the vendor's sales ops (written on CRM deals).

The end customer's link carries a token only the customer got; sales ops in the CRM need to
open the quote without it. A document link names the quote version and carries a signature:
HMAC-SHA256 of (number, version) under a key derived from ``CHANNELSYNC_QUOTE_DOCUMENT_SECRET``,
so it cannot be guessed or moved to another quote, and changing the secret revokes every link.
It opens the document (PDF, resale prices: what the customer sees) and nothing else: no page, no
form, no acceptance. Without the secret, or without ``CHANNELSYNC_PUBLIC_BASE_URL`` set, there
is no link (never one to the local default address).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from urllib.parse import quote as escape

from sqlmodel import Session, select

from order_core.actors import Actor, require_vendor
from order_core.errors import NotFoundError
from order_core.quotes.document import quote_document
from order_core.quotes.models import Quote
from order_core.settings import CoreSettings, get_settings
from order_core.tx import transactional
from quote_engine.documents import html_to_pdf, render_quote_html

_CONTEXT = b"channelsync quote document link v1"


def _key(settings: CoreSettings) -> bytes | None:
    secret = settings.quote_document_secret
    if secret is None:
        return None
    return hmac.new(secret.get_secret_value().encode(), _CONTEXT, hashlib.sha256).digest()


def _signature(key: bytes, number: str, version: int) -> str:
    mac = hmac.new(key, f"{number}\n{version}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).rstrip(b"=").decode("ascii")


def document_path(number: str, version: int) -> str:
    """The path of a quote version's document under the public base URL."""
    return f"/documents/quotes/{escape(number, safe='')}/v{version}/quote.pdf"


def document_link(number: str, version: int) -> str | None:
    """The signed read-only link to a quote version's document, or None when links are not
    configured (no ``CHANNELSYNC_QUOTE_DOCUMENT_SECRET``, or ``CHANNELSYNC_PUBLIC_BASE_URL`` left
    at its local default)."""
    settings = get_settings()
    key = _key(settings)
    if key is None or "public_base_url" not in settings.model_fields_set:
        return None
    base = settings.public_base_url.rstrip("/")
    return f"{base}{document_path(number, version)}?sig={_signature(key, number, version)}"


def signature_valid(number: str, version: int, signature: str) -> bool:
    """Whether ``signature`` signs this quote version (constant-time; False when not configured)."""
    key = _key(get_settings())
    if key is None:
        return False
    return hmac.compare_digest(_signature(key, number, version), signature)


@transactional
def signed_quote_pdf(
    number: str, version: int, signature: str, *, session: Session, actor: Actor
) -> bytes:
    """The quote version's document as a PDF for the holder of its signed link; NotFoundError
    (the same for a bad signature and an unknown quote) otherwise."""
    require_vendor(actor, action="open quote documents")
    invalid = NotFoundError(f"quote {number} v{version}: the document link is not valid")
    if not signature_valid(number, version, signature):
        raise invalid
    quote = session.exec(
        select(Quote).where(Quote.number == number, Quote.version == version)
    ).first()
    if quote is None:
        raise invalid
    return html_to_pdf(quote.document_html or render_quote_html(quote_document(session, quote)))
