"""HubSpot's v3 webhook signature (``X-HubSpot-Signature-v3``), checked before a webhook is read.

A minimal stand-in: the connector's own verifier (being written on another branch) replaces it,
with the same call. HubSpot signs ``method + URI + body + timestamp`` with HMAC-SHA256 keyed by
the app's client secret and sends the digest in base64; the timestamp header is Unix
milliseconds and a request older than five minutes is a replay. HubSpot decodes a few
percent-escapes of the URI before signing, so the same ones are decoded here.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import time

from pydantic import SecretStr

SIGNATURE_HEADER = "X-HubSpot-Signature-v3"
TIMESTAMP_HEADER = "X-HubSpot-Request-Timestamp"
MAX_AGE_MS = 300_000
_UNESCAPED = {
    "%3A": ":", "%2F": "/", "%3F": "?", "%40": "@", "%21": "!", "%24": "$",
    "%27": "'", "%28": "(", "%29": ")", "%2A": "*", "%2C": ",", "%3B": ";",
}  # fmt: skip
_ESCAPE = re.compile("%(?:3A|2F|3F|40|21|24|27|28|29|2A|2C|3B)", re.IGNORECASE)


class InvalidHubSpotSignature(Exception):
    """Not a request HubSpot signed (or a replay); the text says why and never holds the secret."""


def hubspot_signature_v3(
    app_secret: SecretStr, method: str, uri: str, body: bytes, timestamp: str
) -> str:
    """The v3 signature HubSpot sends for this request (base64 of the HMAC-SHA256)."""
    signed_uri = _ESCAPE.sub(lambda m: _UNESCAPED[m.group(0).upper()], uri)
    message = f"{method.upper()}{signed_uri}".encode() + body + timestamp.encode()
    digest = hmac.new(app_secret.get_secret_value().encode(), message, hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def verify_hubspot_v3(
    app_secret: SecretStr,
    *,
    method: str,
    uri: str,
    body: bytes,
    signature: str | None,
    timestamp: str | None,
    now_ms: int | None = None,
) -> None:
    """Return when the request carries a fresh, valid v3 signature; else InvalidHubSpotSignature.

    ``uri`` is the full URL HubSpot called (scheme, host, path, query).
    """
    if not signature:
        raise InvalidHubSpotSignature(f"the {SIGNATURE_HEADER} header is missing")
    if not timestamp or not timestamp.isdigit():
        raise InvalidHubSpotSignature(f"the {TIMESTAMP_HEADER} header is not Unix milliseconds")
    now = int(time.time() * 1000) if now_ms is None else now_ms
    if abs(now - int(timestamp)) > MAX_AGE_MS:
        raise InvalidHubSpotSignature("the request is more than 5 minutes old (or from the future)")
    expected = hubspot_signature_v3(app_secret, method, uri, body, timestamp)
    if not hmac.compare_digest(expected.encode(), signature.strip().encode()):
        raise InvalidHubSpotSignature("the signature does not match the request")
