"""Verifying HubSpot's v3 request signature on inbound webhooks (``X-HubSpot-Signature-v3``); no I/O.

HubSpot signs ``method + URI + body + timestamp`` (a UTF-8 string; the timestamp is the
``X-HubSpot-Request-Timestamp`` header, Unix milliseconds) with HMAC-SHA256 keyed by the app's
client secret, and sends the digest base64-encoded. Before signing, HubSpot decodes these
percent-encoded characters in the URI: ``%3A : %2F / %3F ? %40 @ %21 ! %24 $ %27 ' %28 ( %29 )
%2A * %2C , %3B ;`` (so the same is done here). A request whose timestamp is more than 5 minutes
away from now is refused (a replay); the digests are compared in constant time.
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
#: How far (milliseconds) the request timestamp may be from now.
WINDOW_MS = 5 * 60 * 1000
_DECODED = {
    "%3A": ":",
    "%2F": "/",
    "%3F": "?",
    "%40": "@",
    "%21": "!",
    "%24": "$",
    "%27": "'",
    "%28": "(",
    "%29": ")",
    "%2A": "*",
    "%2C": ",",
    "%3B": ";",
}
_ENCODED = re.compile("|".join(_DECODED), re.IGNORECASE)


class InvalidHubSpotSignature(Exception):
    """The request is not HubSpot's (or is a replay): ``str()`` says why, never the secret."""


def signed_uri(uri: str) -> str:
    """The URI as HubSpot signs it: the listed percent-encoded characters decoded, the rest as is."""
    return _ENCODED.sub(lambda m: _DECODED[m.group().upper()], uri)


def hubspot_signature_v3(
    app_secret: SecretStr, method: str, uri: str, body: bytes, timestamp: str
) -> str:
    """The base64 HMAC-SHA256 HubSpot sends for this request."""
    source = method.upper().encode() + signed_uri(uri).encode() + body + timestamp.encode()
    key = app_secret.get_secret_value().encode()
    return base64.b64encode(hmac.new(key, source, hashlib.sha256).digest()).decode("ascii")


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
    """Return if the request carries HubSpot's valid v3 signature; else raise InvalidHubSpotSignature.

    ``uri`` is the full URL the request was sent to (scheme, host, path and query as received),
    ``body`` the raw body bytes, ``signature`` and ``timestamp`` the two headers' values.
    """
    if not signature or not timestamp:
        missing = SIGNATURE_HEADER if not signature else TIMESTAMP_HEADER
        raise InvalidHubSpotSignature(f"no {missing} header")
    if not timestamp.strip().isdigit():
        raise InvalidHubSpotSignature(f"{TIMESTAMP_HEADER} is not Unix milliseconds")
    skew = (now_ms if now_ms is not None else int(time.time() * 1000)) - int(timestamp)
    if abs(skew) > WINDOW_MS:
        when = "older" if skew > 0 else "further in the future"
        raise InvalidHubSpotSignature(f"the request timestamp is {when} than 5 minutes")
    expected = hubspot_signature_v3(app_secret, method, uri, body, timestamp)
    if not hmac.compare_digest(expected.encode(), signature.strip().encode()):
        raise InvalidHubSpotSignature("the signature does not match this request")
