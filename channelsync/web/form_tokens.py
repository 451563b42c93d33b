"""CSRF protection of the customer's forms: a cookie nonce and a per-form token bound to it and the link.

The page that shows a form sets a random nonce in an HttpOnly, SameSite=Lax cookie (kept while
it lasts, so two tabs share it) and puts in the form ``HMAC(key, nonce | form | link token)``.
A submission is taken only when the cookie and the form token match: another site can neither
read the cookie nor compute the token, and SameSite keeps the cookie off its cross-site posts.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from order_core.settings import get_settings

_CONTEXT = b"channelsync web form token v1"
#: How long the form cookie lasts (seconds): a customer may leave the page open for a day.
COOKIE_MAX_AGE = 24 * 3600


def cookie_name(secure: bool) -> str:
    """The cookie's name: ``__Host-`` prefixed (HTTPS only, this host, path /) when served over HTTPS."""
    return "__Host-channelsync-form" if secure else "channelsync-form"


def new_nonce() -> str:
    """A fresh random nonce for the form cookie."""
    return secrets.token_urlsafe(24)


def _key() -> bytes:
    secret = get_settings().quote_link_secret.get_secret_value().encode()
    return hmac.new(secret, _CONTEXT, hashlib.sha256).digest()


def form_token(nonce: str, form: str, link_token: str) -> str:
    """The token the form ``form`` (e.g. ``accept:Q-000001:1``) carries for this cookie and link."""
    message = "\x00".join((nonce, form, link_token)).encode()
    return hmac.new(_key(), message, hashlib.sha256).hexdigest()


def form_token_valid(nonce: str | None, form: str, link_token: str, submitted: str | None) -> bool:
    """True when ``submitted`` is the form's token for the cookie's ``nonce`` (constant time)."""
    if not nonce or not submitted:
        return False
    expected = form_token(nonce, form, link_token)
    return hmac.compare_digest(expected.encode(), submitted.encode())
