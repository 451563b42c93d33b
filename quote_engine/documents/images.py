"""Logos as data: URIs: documents embed their images and never fetch one when they are rendered."""

from __future__ import annotations

import base64
import re

MAX_LOGO_BYTES = 256 * 1024

_DATA_URI = re.compile(r"^data:image/(png|jpeg|gif|svg\+xml);base64,[A-Za-z0-9+/]+={0,2}$")
_SIGNATURES = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
)


def image_type(data: bytes) -> str | None:
    """The MIME type of a PNG, JPEG, GIF or SVG image from its first bytes, else None."""
    for signature, mime in _SIGNATURES:
        if data.startswith(signature):
            return mime
    head = data[:1024].lstrip().lower()
    if head.startswith((b"<svg", b"<?xml")) and b"<svg" in head:
        return "image/svg+xml"
    return None


def logo_data_uri(data: bytes) -> str:
    """``data:image/...;base64,...`` of a logo; ValueError for an unknown format or a large file."""
    mime = image_type(data)
    if mime is None:
        raise ValueError("is not a PNG, JPEG, GIF or SVG image")
    if len(data) > MAX_LOGO_BYTES:
        raise ValueError(f"is {len(data)} bytes; a logo may have at most {MAX_LOGO_BYTES} bytes")
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


def check_data_uri(value: str | None) -> str | None:
    """A validator: None, or a base64 image data: URI (no remote URL ever reaches a document)."""
    if value is not None and not _DATA_URI.match(value):
        raise ValueError(
            "logo must be an embedded image (data:image/png;base64,...), not a URL; "
            "store the image itself"
        )
    return value
