"""Seeded text round-trips over the wire, and every stamp the portal serves lies in the past."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from hubspot import HubSpot
from hubspot.crm.deals import BatchInputSimplePublicObjectBatchInputForCreate

from crm_sandbox.hubspot import HubSpotSandboxHandle
from crm_sandbox.hubspot.objects import STORED
from crm_sandbox.hubspot.wire import parse_when

#: The seeded free-text property of each object type.
TEXT = {
    "companies": "description",
    "contacts": "message",
    "deals": "description",
    "products": "description",
    "line_items": "description",
}
NAME = {
    "companies": "name",
    "contacts": "lastname",
    "deals": "dealname",
    "products": "name",
    "line_items": "name",
}


def _all(http: httpx.Client, object_type: str, props: list[str], archived: bool) -> list[Any]:
    rows: list[Any] = []
    after: str | None = None
    while True:
        params: dict[str, Any] = {"limit": 100, "properties": ",".join(props)}
        params["archived"] = str(archived).lower()
        if after:
            params["after"] = after
        page = http.get(f"/crm/v3/objects/{object_type}", params=params).json()
        rows += page["results"]
        if "paging" not in page:
            return rows
        after = page["paging"]["next"]["after"]


def test_seeded_text_round_trips_over_raw_http(
    http: httpx.Client, hs: HubSpotSandboxHandle
) -> None:
    for object_type, prop in TEXT.items():
        rows = _all(http, object_type, [prop, NAME[object_type]], archived=False)
        stored = {r.id: r for r in hs.app.records(object_type)}
        assert len(rows) == len(stored) > 0
        for row in rows:
            rec = stored[int(row["id"])]
            text = row["properties"][prop]
            assert text == rec.props[prop], object_type
            assert text.count("\n") >= 2 and '"' in text and "," in text
            assert not row["properties"][NAME[object_type]].isascii(), object_type


def test_seeded_text_round_trips_through_the_client(
    client: HubSpot, hs: HubSpotSandboxHandle
) -> None:
    for key in ("D000000", "D000001", "D000002"):
        rec = hs.app.record("deals", hs.app.seed_id(key))
        got = client.crm.deals.basic_api.get_by_id(
            str(rec.id), properties=["dealname", "description"]
        )
        assert got.properties["dealname"] == rec.props["dealname"]
        assert got.properties["description"] == rec.props["description"]
    company = hs.app.record("companies", hs.app.seed_id("C00002"))
    found = client.crm.companies.search_api.do_search(
        {"query": company.props["name"], "properties": ["name", "description"]}
    )
    assert [r.properties["description"] for r in found.results] == [company.props["description"]]


def _stamps_of(row: dict[str, Any]) -> list[datetime]:
    out = [parse_when(row["createdAt"]), parse_when(row["updatedAt"])]
    out += [parse_when(v) for k, v in row["properties"].items() if k.endswith("date") and v]
    return [s for s in out if s is not None]


def test_every_served_stamp_is_in_the_past(http: httpx.Client, hs: HubSpotSandboxHandle) -> None:
    for t in STORED.values():
        stamps = [t.create_property, t.stamp_property]
        for archived in (False, True):
            served_at = datetime.now(UTC)
            for row in _all(http, t.name, stamps, archived):
                created, updated = parse_when(row["createdAt"]), parse_when(row["updatedAt"])
                assert created is not None and updated is not None
                assert created <= updated <= served_at, (t.name, row["id"])
                assert max(_stamps_of(row)) <= served_at
    for row in http.get("/crm/v3/properties/deals").json()["results"]:
        assert parse_when(row["updatedAt"]) <= datetime.now(UTC)  # type: ignore[operator]


def test_api_writes_are_stamped_now_never_later(client: HubSpot, hs: HubSpotSandboxHandle) -> None:
    made = client.crm.deals.batch_api.create(
        BatchInputSimplePublicObjectBatchInputForCreate(
            inputs=[{"properties": {"dealname": f"Stamp burst {n} ✓"}} for n in range(100)]
        )
    )
    after = datetime.now(UTC)
    assert all(r.created_at == r.updated_at <= after for r in made.results)
    deal_id = made.results[0].id
    changed = client.crm.deals.basic_api.update(
        deal_id, {"properties": {"description": 'Zweite\nZeile, "neu"'}}
    )
    assert made.results[0].updated_at <= changed.updated_at <= datetime.now(UTC)


def test_admin_writes_keep_stamps_in_the_past_unless_told_otherwise(
    http: httpx.Client, hs: HubSpotSandboxHandle
) -> None:
    admin = "/__admin/hubspot/records/deals"
    last_week = datetime.now(UTC) - timedelta(days=7)
    made = http.post(
        admin, json={"properties": {"dealname": "Backdated"}, "updated": last_week.isoformat()}
    ).json()
    rec = hs.app.record("deals", made["id"])
    assert rec.created <= rec.updated <= datetime.now(UTC)
    http.patch(f"{admin}/{made['id']}", json={"properties": {"amount": "10"}})
    bumped = http.post(f"{admin}/{made['id']}/stamp", json={}).json()
    assert last_week < parse_when(bumped["updatedAt"]) <= datetime.now(UTC)  # type: ignore[operator]
    ahead = datetime.now(UTC) + timedelta(days=2)
    explicit = http.post(f"{admin}/{made['id']}/stamp", json={"at": ahead.isoformat()})
    assert parse_when(explicit.json()["updatedAt"]) > datetime.now(UTC)  # type: ignore[operator]
    assert http.delete(f"{admin}/{made['id']}").status_code == 204
