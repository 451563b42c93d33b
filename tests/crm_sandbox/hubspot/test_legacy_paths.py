"""The legacy v2 properties API and the labels path of HubSpot's own OpenAPI spec."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from hubspot import HubSpot
from hubspot.crm.properties import PropertyCreate

from crm_sandbox.hubspot import HubSpotSandboxHandle

#: The fields every legacy (v1/v2) property carries, as HubSpot's legacy docs list them.
LEGACY_FIELDS = {
    "name", "label", "description", "groupName", "type", "fieldType", "options", "displayOrder",
    "formField", "readOnlyValue", "readOnlyDefinition", "hidden", "mutableDefinitionNotDeletable",
    "favorited", "favoritedOrder", "calculated", "externalOptions", "displayMode",
    "hubspotDefined", "createdAt", "updatedAt", "createdUserId", "updatedUserId", "deleted",
    "hasUniqueValue",
}  # fmt: skip


@pytest.mark.parametrize(
    ("segment", "plural"),
    [
        ("company", "companies"),
        ("contact", "contacts"),
        ("deal", "deals"),
        ("line_item", "line_items"),
        ("product", "products"),
        ("ticket", "tickets"),
        ("deals", "deals"),
        ("0-3", "deals"),
    ],
)
def test_v2_properties_are_a_bare_array_of_the_v3_definitions(
    http: httpx.Client, segment: str, plural: str
) -> None:
    r = http.get(f"/properties/v2/{segment}/properties")
    assert r.status_code == 200
    rows = r.json()
    assert isinstance(rows, list)
    v3 = {p["name"]: p for p in http.get(f"/crm/v3/properties/{plural}").json()["results"]}
    assert [row["name"] for row in rows] == list(v3)
    for row in rows:
        assert set(row) >= LEGACY_FIELDS
        v3_prop = v3[row["name"]]
        assert (row["type"], row["fieldType"], row["groupName"]) == (
            v3_prop["type"],
            v3_prop["fieldType"],
            v3_prop["groupName"],
        )
        assert row["readOnlyValue"] == v3_prop["modificationMetadata"]["readOnlyValue"]
        assert isinstance(row["createdAt"], int) and isinstance(row["updatedAt"], int)
        assert [o["value"] for o in row["options"]] == [o["value"] for o in v3_prop["options"]]


def test_v2_property_shapes_extractors_read(http: httpx.Client) -> None:
    rows = {row["name"]: row for row in http.get("/properties/v2/deal/properties").json()}
    stamp = rows["hs_lastmodifieddate"]
    assert stamp["type"] == "datetime" and stamp["readOnlyValue"] is True
    assert stamp["hubspotDefined"] is True
    stage = rows["dealstage"]
    assert stage["type"] == "enumeration"
    assert {"label", "value", "displayOrder", "hidden", "readOnly", "doubleData"} <= set(
        stage["options"][0]
    )
    custom = rows["channelsync_id"]
    assert custom["hubspotDefined"] is None and custom["hasUniqueValue"] is True


def test_a_property_created_through_v3_is_listed_by_v2(
    client: HubSpot, http: httpx.Client, hs: HubSpotSandboxHandle
) -> None:
    client.crm.properties.core_api.create(
        "companies",
        PropertyCreate(
            name="rebate_band", label="Rebate band", type="enumeration", field_type="select",
            group_name="companyinformation",
            options=[{"label": "A", "value": "a"}, {"label": "B", "value": "b"}],
        ),
    )  # fmt: skip
    one = http.get("/properties/v2/companies/properties/named/rebate_band")
    assert one.status_code == 200
    assert [o["value"] for o in one.json()["options"]] == ["a", "b"]
    listed = {row["name"] for row in http.get("/properties/v2/company/properties").json()}
    assert "rebate_band" in listed
    via_client = client.api_request(
        {"method": "GET", "path": "/properties/v2/company/properties", "base_url": hs.base_url}
    )
    assert via_client.status_code == 200
    assert "rebate_band" in {row["name"] for row in via_client.json()}


def test_v2_unknowns_answer_hubspot_errors(http: httpx.Client) -> None:
    missing = http.get("/properties/v2/deals/properties/named/no_such_property")
    assert missing.status_code == 404 and missing.json()["category"] == "OBJECT_NOT_FOUND"
    widget = http.get("/properties/v2/widget/properties")
    assert widget.status_code == 400
    assert widget.json()["message"] == "Unable to infer object type from: widget"


def _labels(response: httpx.Response) -> list[dict[str, Any]]:
    assert response.status_code == 200, response.text
    results: list[dict[str, Any]] = response.json()["results"]
    return results


def test_labels_answer_under_both_paths(
    http: httpx.Client, client: HubSpot, hs: HubSpotSandboxHandle
) -> None:
    spec_path = _labels(http.get("/crm/associations/v4/deals/companies/labels"))
    client_path = _labels(http.get("/crm/v4/associations/deals/companies/labels"))
    assert spec_path == client_path
    assert hs.app.seed.partner_label_id in {x["typeId"] for x in spec_path}
    made = http.post(
        "/crm/associations/v4/deals/companies/labels",
        json={"label": "Référent", "name": "referent", "inverseLabel": "Référé"},
    )
    assert made.status_code == 200, made.text
    defs = client.crm.associations.v4.schema.definitions_api
    forward = {x.label: x.type_id for x in defs.get_all("deals", "companies").results}
    inverse = {x.label for x in defs.get_all("companies", "deals").results}
    assert "Référent" in forward and "Référé" in inverse
    gone = http.delete(f"/crm/associations/v4/deals/companies/labels/{forward['Référent']}")
    assert gone.status_code == 204
    assert "Référent" not in {x.label for x in defs.get_all("deals", "companies").results}
