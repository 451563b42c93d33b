"""The public links channelsync sends to end customers (under ``CHANNELSYNC_PUBLIC_BASE_URL``)."""

from __future__ import annotations

from urllib.parse import quote as escape

from order_core.settings import get_settings


def quote_link(number: str, version: int, token: str) -> str:
    """The end customer's page of a quote version: read it, accept or decline it."""
    base = get_settings().public_base_url.rstrip("/")
    return f"{base}/quotes/{escape(number)}/v{version}/accept?token={escape(token)}"


def renewal_link(reference: str, token: str) -> str:
    """The end customer's self-renew page of a renewal notice."""
    base = get_settings().public_base_url.rstrip("/")
    return f"{base}/renewals/{escape(reference)}?token={escape(token)}"
