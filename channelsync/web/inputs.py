"""What a request brings: the client's address (behind trusted proxies only) and a small urlencoded form."""

from __future__ import annotations

from urllib.parse import parse_qsl

from starlette.requests import Request

#: The largest form body taken (the forms hold a name, an e-mail, a PO number or a reason).
MAX_FORM_BYTES = 16 * 1024


class BadForm(Exception):
    """A form body that is too large, not urlencoded or not UTF-8; ``status`` is the HTTP answer."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def client_address(request: Request, trusted_proxies: frozenset[str]) -> str:
    """The client's address: the connecting one, or behind a trusted proxy the nearest untrusted
    address in X-Forwarded-For (the rightmost one a trusted proxy added)."""
    peer = request.client.host if request.client is not None else "unknown"
    if peer not in trusted_proxies:
        return peer
    forwarded = [a.strip() for a in request.headers.get("x-forwarded-for", "").split(",")]
    for address in reversed([a for a in forwarded if a]):
        if address not in trusted_proxies:
            return address
    return peer


async def read_form(request: Request) -> dict[str, str]:
    """The urlencoded form of a POST (first value of each field); BadForm when it cannot be one."""
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind != "application/x-www-form-urlencoded":
        raise BadForm(415, "The form must be sent as application/x-www-form-urlencoded.")
    body = bytearray()
    async for chunk in request.stream():
        body.extend(chunk)
        if len(body) > MAX_FORM_BYTES:
            raise BadForm(413, "The form is too large.")
    try:
        pairs = parse_qsl(
            body.decode("utf-8"), keep_blank_values=True, strict_parsing=False, max_num_fields=20
        )
    except (UnicodeDecodeError, ValueError):
        raise BadForm(400, "The form could not be read; send it again from the page.") from None
    form: dict[str, str] = {}
    for key, value in pairs:
        form.setdefault(key, value)
    return form
