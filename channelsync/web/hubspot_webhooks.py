"""Inbound HubSpot webhooks: a signed batch of change notifications queues a pull of the changed deals.

The signature is checked on the raw body before anything is read (``hubspot_signature``); the
URI HubSpot signed is the public one (``CHANNELSYNC_PUBLIC_BASE_URL`` + path), which is what a
proxy in front of the app receives. Deal ids come from ``deal.*`` subscriptions and from the
generic ``object.*`` ones on object type ``0-3`` (deals), including both sides of an association
change and the deals a merge absorbed; other notifications are acknowledged and ignored.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from channelsync.web.context import web_context
from connector.hubspot.webhook_signature import (
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    InvalidHubSpotSignature,
    verify_hubspot_v3,
)
from order_core.actors import Actor
from order_core.errors import DomainError
from order_core.sync.pull_requests import request_pull

_log = logging.getLogger("channelsync.web.webhooks")
#: The largest webhook body taken (HubSpot batches at most 100 notifications).
MAX_BODY_BYTES = 1024 * 1024
DEAL_TYPE = "0-3"
WEBHOOK_ACTOR = Actor.system("hubspot-webhook")


def _ids(*values: Any) -> Iterator[str]:
    for value in values:
        if isinstance(value, bool):
            continue
        if isinstance(value, int | str) and str(value).strip():
            yield str(value).strip()
        elif isinstance(value, list):
            yield from _ids(*value)


def deal_ids(notification: dict[str, Any]) -> list[str]:
    """The deal ids one HubSpot notification names (none when it is not about deals)."""
    kind = str(notification.get("subscriptionType", ""))
    about_deals = kind.startswith("deal.") or (
        kind.startswith("object.") and str(notification.get("objectTypeId")) == DEAL_TYPE
    )
    if kind.endswith("associationChange"):
        association = str(notification.get("associationType", "")).upper()
        sides = [
            notification.get(f"{side}ObjectId")
            for side in ("from", "to")
            if str(notification.get(f"{side}ObjectTypeId", "")) == DEAL_TYPE
            or (association.startswith("DEAL_TO_") and side == "from")
            or (association.endswith("_TO_DEAL") and side == "to")
        ]
        return list(_ids(*sides))
    if not about_deals:
        return []
    return list(_ids(notification.get("objectId"), notification.get("mergedObjectIds") or []))


async def hubspot_webhook(request: Request) -> Response:
    """POST from HubSpot: verify, then queue one ``sync.pull_request`` for the deals named."""
    ctx = web_context(request)
    if ctx.webhook_secret is None:
        return JSONResponse(
            {"error": "HubSpot webhooks are off: set CHANNELSYNC_HUBSPOT_WEBHOOK_SECRET"}, 503
        )
    body = bytearray()
    async for chunk in request.stream():
        body.extend(chunk)
        if len(body) > MAX_BODY_BYTES:
            return JSONResponse({"error": "the body is larger than 1 MiB"}, 413)
    query = request.url.query
    uri = ctx.public_base_url.rstrip("/") + request.url.path + (f"?{query}" if query else "")
    try:
        verify_hubspot_v3(
            ctx.webhook_secret,
            method=request.method,
            uri=uri,
            body=bytes(body),
            signature=request.headers.get(SIGNATURE_HEADER),
            timestamp=request.headers.get(TIMESTAMP_HEADER),
        )
    except InvalidHubSpotSignature as exc:
        _log.warning("HubSpot webhook refused: %s", exc)
        return JSONResponse({"error": f"not a valid HubSpot request: {exc}"}, 401)
    try:
        notifications = json.loads(bytes(body))
    except (ValueError, UnicodeDecodeError):
        return JSONResponse({"error": "the body is not JSON"}, 400)
    if not isinstance(notifications, list) or not all(isinstance(n, dict) for n in notifications):
        return JSONResponse({"error": "the body is not a list of notifications"}, 400)
    ids = [i for n in notifications for i in deal_ids(n)]
    connection = ctx.webhook_connection
    try:
        event = await ctx.call(
            lambda s: request_pull(
                connection,
                "deals",
                ids,
                session=s,
                actor=WEBHOOK_ACTOR,
                notifications=len(notifications),
            )
        )
    except DomainError as exc:
        return JSONResponse({"error": exc.message.splitlines()[-1].strip(" -")}, 400)
    queued = len(event.data()["crm_ids"]) if event is not None else 0
    return JSONResponse({"notifications": len(notifications), "deals_queued": queued})
