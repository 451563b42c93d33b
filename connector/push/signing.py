"""Signing PRM webhook requests: HMAC-SHA256 over ``timestamp + "." + body``, sent in headers.

A receiver recomputes the HMAC with the partner's secret over the timestamp header, a dot and
the raw body, compares it in constant time with the signature header, and refuses a timestamp
more than 5 minutes away from its clock (README, "PRM webhooks", has the verification snippet).
"""

from __future__ import annotations

import hashlib
import hmac

from pydantic import SecretStr

EVENT_ID_HEADER = "X-Channelsync-Event-Id"
EVENT_TYPE_HEADER = "X-Channelsync-Event-Type"
TIMESTAMP_HEADER = "X-Channelsync-Timestamp"
SIGNATURE_HEADER = "X-Channelsync-Signature"
#: The signature scheme: ``v1=<hex HMAC-SHA256>``.
SCHEME = "v1"


def signature(secret: SecretStr, timestamp: int, body: bytes) -> str:
    """The signature header value of ``body`` sent at ``timestamp`` (Unix seconds): ``v1=<hex>``."""
    key = secret.get_secret_value().encode("utf-8")
    digest = hmac.new(key, str(timestamp).encode("ascii") + b"." + body, hashlib.sha256)
    return f"{SCHEME}={digest.hexdigest()}"


def signed_headers(
    secret: SecretStr, event_id: str, event_type: str, body: bytes, timestamp: int
) -> dict[str, str]:
    """Every header of one webhook request: content type, event id and type, timestamp, signature."""
    return {
        "Content-Type": "application/json",
        "User-Agent": "channelsync-webhooks/1",
        EVENT_ID_HEADER: event_id,
        EVENT_TYPE_HEADER: event_type,
        TIMESTAMP_HEADER: str(timestamp),
        SIGNATURE_HEADER: signature(secret, timestamp, body),
    }
