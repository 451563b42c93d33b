"""Renders a notification event into an e-mail: subject, text and HTML parts, from Jinja2 templates.

Each kind has ``templates/<kind>.txt.j2`` with a ``subject`` and a ``body`` block, and may have
``templates/<kind>.html.j2``; otherwise the HTML part is the text body in ``_generic.html.j2``.
A quote or renewal link is built here, at delivery, from the sealed token the event carries and
``CHANNELSYNC_PUBLIC_BASE_URL``: the outbox never holds the token itself. A document's logos (its
embedded data: URIs) become inline images of the message (``cid:``), which mail clients show
where they drop data: URIs.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import lru_cache
from typing import Any

from jinja2 import (
    Environment,
    PackageLoader,
    StrictUndefined,
    Template,
    TemplateError,
    TemplateNotFound,
    select_autoescape,
)

from order_core.errors import DomainError
from order_core.links import quote_link, renewal_link
from order_core.sealing import unseal
from quote_engine.documents import QuoteDocument, day, money
from quote_engine.money import round_money


class NotificationNotRendered(DomainError):
    """A notification event cannot be turned into an e-mail (unknown kind, missing data)."""


@dataclass(frozen=True)
class InlineImage:
    """An image the HTML part shows as ``cid:<cid>``."""

    cid: str
    mime: str
    data: bytes


@dataclass(frozen=True)
class RenderedMail:
    """The parts of one e-mail."""

    subject: str
    text: str
    html: str
    images: tuple[InlineImage, ...] = ()


def _inline(name: str, data_uri: str | None) -> InlineImage | None:
    """The data: URI (``data:image/png;base64,...``, checked by the document) as an inline image."""
    if data_uri is None:
        return None
    head, _, payload = data_uri.partition(",")
    mime = head.removeprefix("data:").removesuffix(";base64")
    return InlineImage(f"{name}@channelsync", mime, base64.b64decode(payload))


def _logos(document: QuoteDocument | None, given: Mapping[str, str]) -> dict[str, InlineImage]:
    """The seller's logo (``brand``) and the distributor's (``branding``): a document's, else ``given``."""
    uris: dict[str, str | None] = dict(given)
    if document is not None:
        uris = {
            "brand": document.brand.logo if document.brand else None,
            "branding": document.branding.logo if document.branding else None,
        }
    names = {"brand": "brand-logo", "branding": "cobrand-logo"}
    found = {key: _inline(name, uris.get(key)) for key, name in names.items()}
    return {key: image for key, image in found.items() if image is not None}


@lru_cache(maxsize=1)
def _environment() -> Environment:
    return Environment(
        loader=PackageLoader("order_core.notifications", "templates"),
        autoescape=select_autoescape(enabled_extensions=("html.j2",), default=False),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def _block(template: Template, name: str, context: dict[str, Any]) -> str:
    return "".join(template.blocks[name](template.new_context(context)))


def _context(data: dict[str, Any], logos: Mapping[str, str]) -> dict[str, Any]:
    currency = str(data.get("currency") or "USD")
    locale = str(data.get("locale") or "en_US")
    context: dict[str, Any] = {
        **data,
        "money": lambda amount: money(Decimal(str(amount)), currency, locale),
        "amount": lambda value: format(round_money(Decimal(str(value)), currency), "f"),
        "day": lambda value: day(
            value if isinstance(value, date) else date.fromisoformat(str(value)[:10]), locale
        ),
    }
    document = QuoteDocument.model_validate(data["document"]) if "document" in data else None
    if document is not None:
        context["document"] = document
    context["logos"] = _logos(document, logos)
    if "sealed_token" in data:
        token = unseal(str(data["sealed_token"]))
        if "reference" in data:  # a renewal notice
            context["link"] = renewal_link(str(data["reference"]), token)
        else:
            context["link"] = quote_link(str(data["number"]), int(data["version"]), token)
    return context


def render_notification(
    data: dict[str, Any], logos: Mapping[str, str] | None = None
) -> RenderedMail:
    """Subject, text and HTML of the notification whose event payload is ``data``.

    ``logos`` are data: URIs by role (``brand``: the seller's, ``branding``: the distributor's)
    for a notification whose payload holds no document (a renewal notice).
    """
    kind = str(data.get("kind", ""))
    env = _environment()
    if not kind and "subject" in data:  # written before templates: subject and body as sent then
        text = str(data.get("body", ""))
        paragraphs = [p.strip().splitlines() for p in text.split("\n\n") if p.strip()]
        subject = " ".join(str(data["subject"]).split())
        html = env.get_template("_generic.html.j2").render(subject=subject, paragraphs=paragraphs)
        return RenderedMail(subject=subject, text=text, html=html)
    try:
        text_template = env.get_template(f"{kind}.txt.j2")
    except TemplateNotFound:
        raise NotificationNotRendered(
            f"notification kind {kind!r} has no template {kind}.txt.j2 in order_core/notifications/templates"
        ) from None
    try:
        context = _context(data, logos or {})
        subject = " ".join(_block(text_template, "subject", context).split())
        text = _block(text_template, "body", context).strip() + "\n"
        try:
            html_template = env.get_template(f"{kind}.html.j2")
        except TemplateNotFound:
            html_template = env.get_template("_generic.html.j2")
        paragraphs = [p.strip().splitlines() for p in text.split("\n\n") if p.strip()]
        html = html_template.render(**context, subject=subject, paragraphs=paragraphs)
    except (TemplateError, ValueError, KeyError, TypeError) as exc:
        raise NotificationNotRendered(
            f"notification {kind!r} cannot be rendered: {type(exc).__name__}: {exc}"[:500]
        ) from None
    images = tuple(i for i in context.get("logos", {}).values() if f"cid:{i.cid}" in html)
    return RenderedMail(
        subject=subject or "channelsync notification", text=text, html=html, images=images
    )
