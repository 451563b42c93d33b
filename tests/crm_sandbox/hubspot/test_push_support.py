"""What the push needs of the HubSpot sandbox, through hubspot-api-client and raw HTTP: unique
``channelsync_id`` values refused twice, the deal and order properties the push writes, company to
company associations with user labels, and the admin API's counts."""

from __future__ import annotations

import httpx
import pytest
from hubspot import HubSpot
from hubspot.crm.objects.exceptions import ApiException

from crm_sandbox.hubspot import HubSpotSandboxHandle


def _upsert(http: httpx.Client, obj: str, inputs: list[dict[str, object]]) -> httpx.Response:
    return http.post(f"/crm/v3/objects/{obj}/batch/upsert", json={"inputs": inputs})


def _order(key: str, **props: str) -> dict[str, object]:
    return {"idProperty": "channelsync_id", "id": key, "properties": props}


def test_a_unique_value_is_refused_on_a_second_record(
    client: HubSpot, http: httpx.Client, hs: HubSpotSandboxHandle
) -> None:
    basic = client.crm.objects.basic_api
    first = basic.create("orders", {"properties": {"channelsync_id": "uq-1"}})
    with pytest.raises(ApiException) as exc:
        basic.create("orders", {"properties": {"channelsync_id": "uq-1"}})
    assert exc.value.status == 400 and "NON_UNIQUE_VALUE" in str(exc.value.body)
    assert f"record {first.id}" in str(exc.value.body)
    second = basic.create("orders", {"properties": {"channelsync_id": "uq-2"}})
    with pytest.raises(ApiException):
        basic.update("orders", second.id, {"properties": {"channelsync_id": "uq-1"}})
    basic.update("orders", first.id, {"properties": {"channelsync_id": "uq-1"}})  # its own value
    twice = http.post(
        "/crm/v3/objects/orders/batch/create",
        json={"inputs": [{"properties": {"channelsync_id": "uq-3"}}] * 2},
    )
    assert twice.status_code == 400 and "another input of this request" in twice.text
    assert hs.app.external_id_counts("orders") == {"uq-1": 1, "uq-2": 1}


def test_batch_upsert_refuses_a_key_given_twice_and_upserts_by_the_unique_value(
    http: httpx.Client, hs: HubSpotSandboxHandle
) -> None:
    twice = _upsert(http, "orders", [_order("uq-10"), _order("uq-10")])
    assert twice.status_code == 400 and "Duplicate IDs" in twice.json()["message"]
    made = _upsert(http, "orders", [_order("uq-10", hs_order_name="A"), _order("uq-11")])
    assert made.status_code == 200 and [r["new"] for r in made.json()["results"]] == [True, True]
    again = _upsert(http, "orders", [_order("uq-10", hs_order_name="B")])
    assert again.json()["results"][0]["new"] is False
    assert again.json()["results"][0]["properties"]["channelsync_id"] == "uq-10"
    [rec] = [r for r in hs.app.records("orders") if r.props.get("channelsync_id") == "uq-10"]
    assert rec.props["hs_order_name"] == "B"
    hs.app.archive_record("orders", rec.id)
    assert "uq-10" not in hs.app.external_id_counts("orders")


def test_the_properties_the_push_writes(client: HubSpot) -> None:
    deal = {p.name: p for p in client.crm.properties.core_api.get_all("deals").results}
    wanted = {
        "channelsync_quote_number": "string",
        "channelsync_quote_status": "string",
        "channelsync_quote_total": "number",
        "channelsync_approval_state": "string",
        "channelsync_quote_url": "string",
        "channelsync_sync_note": "string",
    }
    assert {name: deal[name].type for name in wanted} == wanted
    assert all(deal[name].group_name == "channelsync" for name in wanted)
    order = {p.name: p for p in client.crm.properties.core_api.get_all("orders").results}
    statuses = [o.value for o in order["channelsync_status"].options]
    assert statuses[:2] == ["draft", "pending_approval"] and "paid" in statuses
    for obj in ("orders", "quotes", "line_items", "deals", "companies"):
        props = {p.name: p for p in client.crm.properties.core_api.get_all(obj).results}
        assert props["channelsync_id"].has_unique_value is True


def test_company_to_company_labels(http: httpx.Client, hs: HubSpotSandboxHandle) -> None:
    pair = "/crm/v4/associations/companies/companies/labels"
    assert {"category": "HUBSPOT_DEFINED", "typeId": 450, "label": None} in http.get(pair).json()[
        "results"
    ]
    made = http.post(
        pair, json={"label": "Reseller", "name": "reseller", "inverseLabel": "Customer"}
    )
    reseller, customer = made.json()["results"]
    assert (reseller["label"], customer["label"]) == ("Reseller", "Customer")
    refused = http.post(pair, json={"label": "Reseller", "name": "reseller"})
    assert refused.status_code == 400 and "already exists" in refused.json()["message"]
    end, partner = (r.id for r in hs.app.records("companies")[:2])
    spec = {"associationCategory": "USER_DEFINED", "associationTypeId": reseller["typeId"]}
    body = {"inputs": [{"from": {"id": str(end)}, "to": {"id": str(partner)}, "types": [spec]}]}
    created = http.post("/crm/v4/associations/companies/companies/batch/create", json=body)
    assert created.status_code == 201 and created.json()["results"][0]["labels"] == ["Reseller"]
    assert hs.app.count_associations("companies", "companies", "Reseller") == {(end, partner): 1}
    assert hs.app.count_associations("companies", "companies", "Customer") == {(partner, end): 1}
    # The unlabeled type comes with the label, both ways.
    assert hs.app.count_associations("companies", "companies")[(end, partner)] == 2
