"""Batch read / create / update / upsert / archive through hubspot-api-client, incl. 207 partials."""

from __future__ import annotations

import httpx
import pytest
from hubspot import HubSpot
from hubspot.crm.deals import (
    ApiException,
    BatchInputSimplePublicObjectBatchInput,
    BatchInputSimplePublicObjectBatchInputForCreate,
    BatchInputSimplePublicObjectBatchInputUpsert,
    BatchInputSimplePublicObjectId,
    BatchReadInputSimplePublicObjectId,
)

from crm_sandbox.hubspot import HubSpotSandboxHandle


def _read(ids: list[str]) -> BatchReadInputSimplePublicObjectId:
    return BatchReadInputSimplePublicObjectId(
        inputs=[{"id": i} for i in ids], properties=["dealname"], properties_with_history=[]
    )


def test_batch_read_complete_and_partial(client: HubSpot, hs: HubSpotSandboxHandle) -> None:
    ids = [str(hs.app.seed_id(f"D00000{n}")) for n in range(3)]
    full = client.crm.deals.batch_api.read(_read(ids))
    assert full.status == "COMPLETE" and not hasattr(full, "errors")
    assert sorted(r.id for r in full.results) == sorted(ids)
    partial = client.crm.deals.batch_api.read(_read([*ids, "77"]))
    assert len(partial.results) == 3
    assert partial.num_errors == 1
    assert partial.errors[0].category == "OBJECT_NOT_FOUND"
    assert partial.errors[0].context == {"ids": ["77"]}


def test_batch_create_update_and_injected_partial_failure(
    client: HubSpot, hs: HubSpotSandboxHandle
) -> None:
    created = client.crm.deals.batch_api.create(
        BatchInputSimplePublicObjectBatchInputForCreate(
            inputs=[{"properties": {"dealname": f"Batch {n}", "amount": "10"}} for n in range(3)]
        )
    )
    ids = [r.id for r in created.results]
    assert len(ids) == 3 and all(hs.app.record("deals", i).props["amount"] == "10" for i in ids)
    hs.app.fail_batch_inputs("deals.batch.update", [1], category="VALIDATION_ERROR")
    updated = client.crm.deals.batch_api.update(
        BatchInputSimplePublicObjectBatchInput(
            inputs=[{"id": i, "properties": {"amount": "20"}} for i in ids]
        )
    )
    assert updated.num_errors == 1 and updated.errors[0].context == {"ids": [ids[1]]}
    assert [hs.app.record("deals", i).props["amount"] for i in ids] == ["20", "10", "20"]
    again = client.crm.deals.batch_api.update(
        BatchInputSimplePublicObjectBatchInput(
            inputs=[{"id": ids[1], "properties": {"amount": "20"}}]
        )
    )
    assert again.status == "COMPLETE" and hs.app.record("deals", ids[1]).props["amount"] == "20"


def test_batch_upsert_by_unique_property(client: HubSpot, hs: HubSpotSandboxHandle) -> None:
    def upsert(amount: str) -> list[tuple[str, bool]]:
        result = client.crm.deals.batch_api.upsert(
            BatchInputSimplePublicObjectBatchInputUpsert(
                inputs=[
                    {"id": f"core-{n}", "idProperty": "channelsync_id",
                     "properties": {"dealname": f"Core {n}", "amount": amount}}
                    for n in range(2)
                ]
            )
        )  # fmt: skip
        return [(r.properties["channelsync_id"], r.new) for r in result.results]

    assert upsert("5") == [("core-0", True), ("core-1", True)]
    assert upsert("6") == [("core-0", False), ("core-1", False)]
    matching = [
        r for r in hs.app.records("deals") if r.props.get("channelsync_id", "").startswith("core-")
    ]
    assert len(matching) == 2 and {r.props["amount"] for r in matching} == {"6"}
    with pytest.raises(ApiException) as err:
        client.crm.deals.batch_api.upsert(
            BatchInputSimplePublicObjectBatchInputUpsert(
                inputs=[{"id": "x", "idProperty": "dealname", "properties": {}}]
            )
        )
    assert err.value.status == 400 and "not a unique property" in err.value.body


def test_batch_archive_and_limits(
    client: HubSpot, hs: HubSpotSandboxHandle, http: httpx.Client
) -> None:
    ids = [str(hs.app.seed_id("D000020")), str(hs.app.seed_id("D000021"))]
    stamps = [hs.app.record("deals", i).updated for i in ids]
    client.crm.deals.batch_api.archive(
        BatchInputSimplePublicObjectId(inputs=[{"id": i} for i in [*ids, "31337"]])
    )
    assert all(hs.app.record("deals", i).archived_at is not None for i in ids)
    assert [hs.app.record("deals", i).updated for i in ids] == stamps
    too_many = {"inputs": [{"id": str(n)} for n in range(101)], "properties": []}
    r = http.post("/crm/v3/objects/deals/batch/read", json=too_many)
    assert r.status_code == 400 and r.json()["category"] == "VALIDATION_ERROR"
    bad = {"inputs": [{"properties": {"amount": "lots"}}]}
    r = http.post("/crm/v3/objects/deals/batch/create", json=bad)
    assert r.status_code == 400 and "INVALID_DECIMAL" in r.text


def test_admin_http_batch_failure_on_create(http: httpx.Client, hs: HubSpotSandboxHandle) -> None:
    admin = httpx.post(
        hs.base_url + "/__admin/hubspot/batch-failures",
        json={"route": "line_items.batch.create", "inputs": [0], "category": "RATE_LIMITS"},
    )
    assert admin.status_code == 204
    body = {"inputs": [{"properties": {"name": "a", "quantity": "1"}},
                       {"properties": {"name": "b", "quantity": "2"}}]}  # fmt: skip
    r = http.post("/crm/v3/objects/line_items/batch/create", json=body)
    assert r.status_code == 207
    data = r.json()
    assert [x["properties"]["name"] for x in data["results"]] == ["b"]
    assert data["errors"][0]["category"] == "RATE_LIMITS"
    assert data["errors"][0]["context"] == {"index": ["0"]}


def test_objects_batch_read_by_type_id_with_history(
    client: HubSpot, hs: HubSpotSandboxHandle
) -> None:
    from hubspot.crm.objects import BatchReadInputSimplePublicObjectId as ObjectsRead

    ids = [str(hs.app.seed_id(k)) for k in ("C00000", "C00001")]
    result = client.crm.objects.batch_api.read(
        "0-2",
        ObjectsRead(
            inputs=[{"id": i} for i in ids], properties=["name"], properties_with_history=["name"]
        ),
    )
    assert sorted(r.id for r in result.results) == sorted(ids)
    assert all(
        r.properties_with_history["name"][0].value == r.properties["name"] for r in result.results
    )
