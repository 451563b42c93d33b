"""HubSpot v3 webhook signatures: HubSpot's published example, tampered variants, the 5-minute window.

The example values (client secret ``yyyyyyyy-yyyy-yyyy-yyyy-yyyyyyyyyyyy``, ``POST``,
``https://www.example.com/webhook_uri``, body ``{'example_field':'example_value'}``, timestamp
``15000000``, signature ``HPW73RUtKmcYoEDADG0s6MmGFWUzWJKAW07r8RDgcQw=``) are HubSpot's own, from
the v3 signature test of its Python client (github.com/HubSpot/hubspot-api-python,
tests/spec/utils/test_signature.py); the secret and URI are those of HubSpot's request validation
documentation.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from typing import Any

import pytest
from pydantic import SecretStr

from connector.hubspot.webhook_signature import (
    InvalidHubSpotSignature,
    hubspot_signature_v3,
    signed_uri,
    verify_hubspot_v3,
)

SECRET = SecretStr("yyyyyyyy-yyyy-yyyy-yyyy-yyyyyyyyyyyy")
URI = "https://www.example.com/webhook_uri"
BODY = b"{'example_field':'example_value'}"
STAMP = "15000000"
PUBLISHED = "HPW73RUtKmcYoEDADG0s6MmGFWUzWJKAW07r8RDgcQw="
REQUEST: dict[str, Any] = {
    "method": "POST",
    "uri": URI,
    "body": BODY,
    "signature": PUBLISHED,
    "timestamp": STAMP,
}


def test_hubspots_published_example() -> None:
    assert hubspot_signature_v3(SECRET, "POST", URI, BODY, STAMP) == PUBLISHED
    verify_hubspot_v3(SECRET, **REQUEST, now_ms=int(STAMP) + 1_000)  # does not raise


@pytest.mark.parametrize(
    "change",
    [
        {"body": b"{'example_field':'other_value'}"},
        {"body": BODY + b" "},
        {"method": "PUT"},
        {"uri": "https://www.example.com/webhook_uri?x=1"},
        {"uri": "http://www.example.com/webhook_uri"},
        {"timestamp": "15000001"},
        {"signature": PUBLISHED.replace("H", "h", 1)},
        {"signature": PUBLISHED[:-1]},
    ],
)
def test_any_change_is_refused(change: dict[str, Any]) -> None:
    with pytest.raises(InvalidHubSpotSignature, match="does not match"):
        verify_hubspot_v3(SECRET, **{**REQUEST, **change}, now_ms=int(STAMP))


def test_a_wrong_secret_is_refused_and_never_named() -> None:
    with pytest.raises(InvalidHubSpotSignature) as exc:
        verify_hubspot_v3(SecretStr("zzzz-not-the-app-secret"), **REQUEST, now_ms=int(STAMP))
    assert "zzzz" not in str(exc.value) and "yyyy" not in str(exc.value)


def test_the_five_minute_window() -> None:
    verify_hubspot_v3(SECRET, **REQUEST, now_ms=int(STAMP) + 300_000)
    verify_hubspot_v3(SECRET, **REQUEST, now_ms=int(STAMP) - 300_000)
    with pytest.raises(InvalidHubSpotSignature, match="older than 5 minutes"):
        verify_hubspot_v3(SECRET, **REQUEST, now_ms=int(STAMP) + 300_001)
    with pytest.raises(InvalidHubSpotSignature, match="further in the future than 5 minutes"):
        verify_hubspot_v3(SECRET, **REQUEST, now_ms=int(STAMP) - 300_001)


def test_missing_or_malformed_headers() -> None:
    for change, reason in (
        ({"signature": None}, "no X-HubSpot-Signature-v3 header"),
        ({"timestamp": ""}, "no X-HubSpot-Request-Timestamp header"),
        ({"timestamp": "15000000.5"}, "not Unix milliseconds"),
    ):
        with pytest.raises(InvalidHubSpotSignature, match=reason):
            verify_hubspot_v3(SECRET, **{**REQUEST, **change}, now_ms=int(STAMP))


def test_the_listed_percent_escapes_are_decoded_before_signing() -> None:
    uri = "https://app.example.com/hooks%3Fportal%3D1/a%2Cb%40c%20d?q=%28x%29%2A%21%24%27%3B%2f"
    assert signed_uri(uri) == "https://app.example.com/hooks?portal%3D1/a,b@c%20d?q=(x)*!$';/"
    source = b"POST" + signed_uri(uri).encode() + b"{}" + STAMP.encode()
    key = SECRET.get_secret_value().encode()
    expected = base64.b64encode(hmac.new(key, source, hashlib.sha256).digest()).decode()
    verify_hubspot_v3(
        SECRET,
        method="POST",
        uri=uri,
        body=b"{}",
        signature=expected,
        timestamp=STAMP,
        now_ms=int(STAMP),
    )
