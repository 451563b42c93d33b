"""Sealing short secrets (a quote link's token) that must wait in the database to be sent once.

AES-GCM with a key derived from ``CHANNELSYNC_QUOTE_LINK_SECRET``: the outbox keeps a sealed
token, not the token, and only the e-mail delivery opens it to build the link.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from order_core.errors import DomainError
from order_core.settings import get_settings

_CONTEXT = b"channelsync sealed value v1"


def _key() -> bytes:
    secret = get_settings().quote_link_secret.get_secret_value().encode()
    return hmac.new(secret, _CONTEXT, hashlib.sha256).digest()


def seal(value: str) -> str:
    """``value`` encrypted and authenticated, as URL-safe text."""
    nonce = secrets.token_bytes(12)
    box = AESGCM(_key()).encrypt(nonce, value.encode(), _CONTEXT)
    return base64.urlsafe_b64encode(nonce + box).decode("ascii")


def unseal(sealed: str) -> str:
    """The value ``seal`` sealed; DomainError when it was sealed with another secret or altered."""
    try:
        raw = base64.urlsafe_b64decode(sealed.encode("ascii"))
        return AESGCM(_key()).decrypt(raw[:12], raw[12:], _CONTEXT).decode()
    except (InvalidTag, ValueError):
        raise DomainError(
            "a sealed value cannot be opened: CHANNELSYNC_QUOTE_LINK_SECRET changed since it was "
            "sealed, or it was altered; send the quote again for a new link"
        ) from None
