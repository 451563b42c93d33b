"""Delivering ``prm.webhook`` outbox events: signed JSON POSTs to each partner's PRM endpoint (httpx).

Each event is one request: the body is ``{"id", "type", "created_at", "partner_id", "data"}``
(compact JSON), signed as :mod:`connector.push.signing` describes, with the event id in
``X-Channelsync-Event-Id`` so the receiver can drop a repeat (a delivery is at least once: a
drainer that dies after the partner answered delivers the event again after its lease lapses).

- 2xx: delivered.
- 408, 429, 5xx, timeouts, refused or reset connections: retried with backoff (never sooner than
  a ``Retry-After``); after the attempt limit, a dead letter. The partner's other events of the
  same batch are held back with the same error rather than sent into the same failure.
- Other answers (3xx: redirects are not followed; 4xx): a dead letter at once.
- A partner without an endpoint: the event is *skipped* (status ``skipped``, reason kept). Events
  are not held for an endpoint that may never come; setting one later sends the events from then on.

Errors name the endpoint's host only (its path or query might carry a token) and never the secret.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

import httpx
from sqlalchemy.engine import Engine

from connector.push.drain import SendResult
from connector.push.signing import signed_headers
from connector.settings import ConnectorSettings
from order_core.actors import Actor
from order_core.db import new_session
from order_core.outbox import OutboxEvent
from order_core.outbox.outcomes import Outcome
from order_core.types import utcnow
from order_core.webhooks.endpoints import WebhookEndpoint, webhook_endpoints

TOPIC = "prm.webhook"
_ACTOR = Actor.system("prm-webhooks")
#: The longest Retry-After honoured (seconds); a longer one is cut to this.
LONGEST_RETRY_AFTER = 86400.0


def webhook_body(event: OutboxEvent) -> tuple[str, bytes]:
    """The event type and the exact bytes POSTed for ``event``."""
    data = event.data()
    kind = str(data.pop("event", event.topic))
    document = {
        "id": str(event.id),
        "type": kind,
        "created_at": event.created_at.isoformat(),
        "partner_id": event.partner_id,
        "data": data,
    }
    return kind, json.dumps(document, sort_keys=True, separators=(",", ":")).encode("utf-8")


def retry_after_seconds(value: str | None, now: datetime | None = None) -> float | None:
    """A ``Retry-After`` header as seconds from now (delta-seconds or an HTTP date); None if absent or bad."""
    if not value:
        return None
    text = value.strip()
    if text.isdigit():
        return min(float(text), LONGEST_RETRY_AFTER)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    seconds = (when - (now or utcnow())).total_seconds()
    return min(max(0.0, seconds), LONGEST_RETRY_AFTER)


def _excerpt(response: httpx.Response, secret: str) -> str:
    text = " ".join(response.text[:200].split()).replace(secret, "***")
    return f": {text}" if text else ""


def classify(response: httpx.Response, host: str, secret: str) -> Outcome:
    """The outcome of a webhook request the partner answered."""
    code = response.status_code
    if 200 <= code < 300:
        return Outcome.delivered()
    where = f"HTTP {code} from {host}"
    if code in (408, 429) or code >= 500:
        wait = retry_after_seconds(response.headers.get("Retry-After"))
        return Outcome.retry(f"{where}{_excerpt(response, secret)}", wait)
    if 300 <= code < 400:
        return Outcome.dead(
            f"{where}: redirects are not followed; set the final URL with "
            "`channelsync prm webhook set`"
        )
    return Outcome.dead(f"{where}{_excerpt(response, secret)}")


class PrmWebhookSender:
    """The :class:`connector.push.drain.Sender` of ``prm.webhook`` events."""

    topic_prefix = TOPIC

    def __init__(
        self,
        engine: Engine,
        *,
        timeout: float | None = None,
        batch_size: int = 50,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.engine = engine
        self.timeout = (
            timeout if timeout is not None else ConnectorSettings().prm_webhook_timeout_seconds
        )
        self.batch_size = batch_size
        self.transport = transport

    def _endpoints(self, events: Sequence[OutboxEvent]) -> dict[int, WebhookEndpoint]:
        """The endpoints of the batch's partners, read in one short transaction of its own."""
        partners = {e.partner_id for e in events if e.partner_id is not None}
        if not partners:
            return {}
        with new_session(self.engine) as session:
            return webhook_endpoints(partners, session=session, actor=_ACTOR)

    def post(self, client: httpx.Client, endpoint: WebhookEndpoint, event: OutboxEvent) -> Outcome:
        """POST one event to its partner's endpoint, signed; the outcome of that one request."""
        kind, body = webhook_body(event)
        secret = endpoint.secret.get_secret_value()
        headers = signed_headers(endpoint.secret, str(event.id), kind, body, int(time.time()))
        host = urlsplit(endpoint.url).netloc.rpartition("@")[2]
        try:
            response = client.post(endpoint.url, content=body, headers=headers)
        except httpx.TimeoutException:
            return Outcome.retry(f"no answer from {host} within {self.timeout:g} s")
        except (httpx.UnsupportedProtocol, httpx.InvalidURL):
            return Outcome.dead(f"the webhook URL of partner {endpoint.partner_id} is not usable")
        except httpx.TransportError as exc:
            return Outcome.retry(f"{type(exc).__name__} talking to {host}")
        return classify(response, host, secret)

    def send(self, events: Sequence[OutboxEvent], lease_until: datetime) -> SendResult:
        """POST each event to its partner's endpoint; see the module docstring for the outcomes."""
        endpoints = self._endpoints(events)
        outcomes: dict[int, Outcome] = {}
        failing: dict[int, Outcome] = {}
        calls = 0
        margin = timedelta(seconds=self.timeout + 1)
        with httpx.Client(
            timeout=httpx.Timeout(self.timeout),
            follow_redirects=False,
            transport=self.transport,
        ) as client:
            for event in events:
                assert event.id is not None
                endpoint = endpoints.get(event.partner_id) if event.partner_id else None
                if endpoint is None:
                    who = f"partner {event.partner_id}" if event.partner_id else "no partner"
                    outcomes[event.id] = Outcome.skipped(f"{who} has no PRM webhook endpoint")
                elif endpoint.partner_id in failing:
                    held = failing[endpoint.partner_id]
                    outcomes[event.id] = Outcome.retry(
                        f"not sent after an earlier failure: {held.error}", held.retry_after
                    )
                elif utcnow() + margin >= lease_until:
                    outcomes[event.id] = Outcome.release()  # the lease could lapse mid-request
                else:
                    calls += 1
                    outcome = self.post(client, endpoint, event)
                    outcomes[event.id] = outcome
                    if outcome.kind == "retry":
                        failing[endpoint.partner_id] = outcome
        return SendResult(outcomes, calls)
