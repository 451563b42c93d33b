"""``/healthz`` and inbound HubSpot webhooks (v3 signatures) queueing a pull of the changed deals."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from pydantic import SecretStr
from sqlalchemy.engine import Engine
from sqlmodel import Session, select
from starlette.testclient import TestClient

from channelsync.web.hubspot_webhooks import deal_ids
from connector.hubspot.webhook_signature import (
    InvalidHubSpotSignature,
    hubspot_signature_v3,
    verify_hubspot_v3,
)
from order_core.actors import Actor
from order_core.db import make_engine
from order_core.errors import AccessDenied, ValidationFailed
from order_core.outbox import OutboxEvent
from order_core.sync.pull_requests import PULL_REQUEST_TOPIC, request_pull
from tests.channelsync.web.conftest import web_client

SECRET = "hubspot-app-client-secret"
URL = "http://testserver/webhooks/hubspot"


def _pull_requests(session: Session) -> list[dict[str, object]]:
    rows = session.exec(select(OutboxEvent).where(OutboxEvent.topic == PULL_REQUEST_TOPIC)).all()
    session.commit()
    return [e.data() for e in rows]


def _signed(body: bytes, *, secret: str = SECRET, age_ms: int = 0) -> dict[str, str]:
    stamp = str(int(time.time() * 1000) - age_ms)
    signature = hubspot_signature_v3(SecretStr(secret), "POST", URL, body, stamp)
    return {
        "content-type": "application/json",
        "x-hubspot-signature-v3": signature,
        "x-hubspot-request-timestamp": stamp,
    }


def test_health_answers_ok_with_a_database(client: TestClient) -> None:
    answer = client.get("/healthz")
    assert answer.status_code == 200 and answer.json() == {"status": "ok", "database": "ok"}


def test_health_says_unavailable_without_the_schema(tmp_path: Path) -> None:
    empty = make_engine(f"sqlite:///{tmp_path / 'empty.db'}")  # no tables
    with web_client(empty) as client:
        answer = client.get("/healthz")
    assert answer.status_code == 503 and answer.json()["status"] == "unavailable"
    assert str(tmp_path) not in answer.text  # the database URL is never shown
    empty.dispose()


def test_hubspots_published_signature_example() -> None:
    # HubSpot's request-validation example (secret, URI, body, timestamp and its signature).
    secret = SecretStr("yyyyyyyy-yyyy-yyyy-yyyy-yyyyyyyyyyyy")
    uri, body, stamp = "https://www.example.com/webhook_uri", b"{'example_field':'example_value'}", "15000000"  # fmt: skip
    expected = "HPW73RUtKmcYoEDADG0s6MmGFWUzWJKAW07r8RDgcQw="
    assert hubspot_signature_v3(secret, "POST", uri, body, stamp) == expected
    verify_hubspot_v3(secret, method="POST", uri=uri, body=body, signature=expected, timestamp=stamp, now_ms=15_060_000)  # fmt: skip
    escaped = (
        "https%3A%2F%2Fwww.example.com%2Fwebhook_uri"  # decoded before signing, as HubSpot does
    )
    assert hubspot_signature_v3(secret, "POST", escaped, body, stamp) == expected
    for change in ({"body": body + b" "}, {"timestamp": "15000001"}, {"method": "PUT"}):
        request = {"method": "POST", "uri": uri, "body": body, "signature": expected, "timestamp": stamp, **change}  # fmt: skip
        with pytest.raises(InvalidHubSpotSignature, match="does not match"):
            verify_hubspot_v3(secret, now_ms=15_000_000, **request)  # type: ignore[arg-type]
    with pytest.raises(InvalidHubSpotSignature, match="older than 5 minutes"):
        verify_hubspot_v3(secret, method="POST", uri=uri, body=body, signature=expected, timestamp=stamp, now_ms=15_300_001)  # fmt: skip


def test_a_signed_webhook_queues_one_pull_of_the_changed_deals(
    engine: Engine, session: Session
) -> None:
    notifications = [
        {"eventId": 1, "subscriptionType": "deal.propertyChange", "objectId": 1001, "propertyName": "amount"},
        {"eventId": 2, "subscriptionType": "deal.creation", "objectId": 1002},
        {"eventId": 3, "subscriptionType": "deal.propertyChange", "objectId": 1001, "propertyName": "dealstage"},
        {"eventId": 4, "subscriptionType": "contact.propertyChange", "objectId": 55},
        {"eventId": 5, "subscriptionType": "object.propertyChange", "objectTypeId": "0-3", "objectId": "1003"},
        {"eventId": 6, "subscriptionType": "deal.merge", "objectId": 1004, "mergedObjectIds": [1005]},
        {"eventId": 7, "subscriptionType": "deal.associationChange", "associationType": "DEAL_TO_COMPANY", "fromObjectId": 1006, "toObjectId": 77},
        {"eventId": 8, "subscriptionType": "company.associationChange", "associationType": "COMPANY_TO_DEAL", "fromObjectId": 78, "toObjectId": 1007},
        {"eventId": 9, "subscriptionType": "object.propertyChange", "objectTypeId": "0-1", "objectId": "56"},
    ]  # fmt: skip
    body = json.dumps(notifications).encode()
    with web_client(engine, hubspot_webhook_secret=SECRET, hubspot_webhook_connection="emea-hs") as client:  # fmt: skip
        answer = client.post("/webhooks/hubspot", content=body, headers=_signed(body))
    assert answer.status_code == 200
    assert answer.json() == {"notifications": 9, "deals_queued": 7}
    (queued,) = _pull_requests(session)
    assert queued == {
        "connection": "emea-hs",
        "object": "deals",
        "crm_ids": ["1001", "1002", "1003", "1004", "1005", "1006", "1007"],
        "notifications": 9,
    }


def test_webhooks_that_are_not_hubspots_queue_nothing(engine: Engine, session: Session) -> None:
    body = json.dumps([{"subscriptionType": "deal.creation", "objectId": 1}]).encode()
    with web_client(engine, hubspot_webhook_secret=SECRET) as client:
        for headers, reason in (
            (_signed(body, secret="another-secret"), "does not match"),
            (_signed(body, age_ms=301_000), "older than 5 minutes"),
            ({**_signed(body), "x-hubspot-signature-v3": ""}, "no X-HubSpot-Signature-v3 header"),
            (
                {k: v for k, v in _signed(body).items() if "timestamp" not in k},
                "no X-HubSpot-Request-Timestamp header",
            ),
        ):
            answer = client.post("/webhooks/hubspot", content=body, headers=headers)
            assert answer.status_code == 401 and reason in answer.json()["error"]
        tampered = client.post(
            "/webhooks/hubspot", content=body.replace(b"1", b"2"), headers=_signed(body)
        )
        assert tampered.status_code == 401
        not_json = client.post("/webhooks/hubspot", content=b"[{", headers=_signed(b"[{"))
        assert not_json.status_code == 400
        nothing = client.post("/webhooks/hubspot", content=b"[]", headers=_signed(b"[]"))
        assert nothing.json() == {"notifications": 0, "deals_queued": 0}
        huge = b"[" + b" " * (1024 * 1024) + b"]"
        assert client.post("/webhooks/hubspot", content=huge, headers=_signed(huge)).status_code == 413  # fmt: skip
    with web_client(engine) as client:  # no secret configured: refused, whatever the request
        answer = client.post("/webhooks/hubspot", content=body, headers=_signed(body))
        assert answer.status_code == 503 and "CHANNELSYNC_HUBSPOT_WEBHOOK_SECRET" in answer.text
    assert _pull_requests(session) == []


def test_association_changes_name_the_deal_side_only() -> None:
    assert deal_ids({"subscriptionType": "deal.associationChange", "associationType": "CONTACT_TO_DEAL", "fromObjectId": 9, "toObjectId": 10}) == ["10"]  # fmt: skip
    assert deal_ids({"subscriptionType": "object.associationChange", "fromObjectTypeId": "0-3", "toObjectTypeId": "0-3", "fromObjectId": 1, "toObjectId": 2}) == ["1", "2"]  # fmt: skip
    assert deal_ids({"subscriptionType": "deal.creation", "objectId": True}) == []
    assert deal_ids({"subscriptionType": "ticket.creation", "objectId": 3}) == []


def test_pull_requests_refuse_bad_names_and_ids(session: Session) -> None:
    system = Actor.system("hubspot-webhook")
    for connection, crm_object, ids, field in (
        ("EMEA HS", "deals", ["1"], "connection"),
        ("hubspot", "deals; drop", ["1"], "object"),
        ("hubspot", "deals", ["1", "x y"], "crm_ids"),
        ("hubspot", "deals", [str(n) for n in range(1001)], "crm_ids"),
    ):
        with pytest.raises(ValidationFailed) as failure:
            request_pull(
                connection, crm_object, ids, session=session, actor=system, notifications=1
            )
        assert failure.value.problems[0].field == field
    with pytest.raises(AccessDenied, match="may not queue CRM pulls"):
        request_pull("hubspot", "deals", ["1"], session=session, actor=Actor.vendor("s@v.test", "sales_ops"), notifications=1)  # fmt: skip
    assert _pull_requests(session) == []
