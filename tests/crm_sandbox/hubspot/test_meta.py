"""Properties (every standard object type, custom creation), pipelines and schemas."""

from __future__ import annotations

import httpx
import pytest
from hubspot import HubSpot
from hubspot.crm.properties import ApiException, PropertyCreate
from hubspot.crm.schemas import ObjectSchemaEgg

from crm_sandbox.hubspot import HubSpotSandboxHandle

UNSTORED = ["tickets", "calls", "emails", "meetings", "notes", "tasks", "feedback_submissions"]


@pytest.mark.parametrize("object_type", UNSTORED)
def test_properties_of_object_types_without_records(client: HubSpot, object_type: str) -> None:
    props = client.crm.properties.core_api.get_all(object_type)
    names = {p.name for p in props.results}
    assert {"hs_object_id", "hs_lastmodifieddate"} <= names
    assert all(
        p.modification_metadata.read_only_value for p in props.results if p.name == "hs_object_id"
    )


def test_stored_type_properties_by_name_and_type_id(client: HubSpot) -> None:
    deals = {p.name: p for p in client.crm.properties.core_api.get_all("0-3").results}
    assert deals["amount"].type == "number"
    assert deals["closedate"].type == "datetime"
    assert [o.value for o in deals["dealstage"].options][-2:] == ["closedwon", "closedlost"]
    assert deals["channelsync_id"].has_unique_value is True
    sku = client.crm.properties.core_api.get_by_name("products", "hs_sku")
    assert sku.type == "string" and sku.field_type == "text"
    groups = client.crm.properties.groups_api.get_all("deals")
    assert "dealinformation" in {g.name for g in groups.results}


def test_create_custom_property_and_write_it(
    client: HubSpot, hs: HubSpotSandboxHandle, http: httpx.Client
) -> None:
    created = client.crm.properties.core_api.create(
        "deals",
        PropertyCreate(
            name="partner_discount", label="Partner discount", type="number",
            field_type="number", group_name="dealinformation",
        ),
    )  # fmt: skip
    assert created.name == "partner_discount" and created.hubspot_defined is None
    deal_id = hs.app.seed_id("D000012")
    r = http.patch(
        f"/crm/v3/objects/deals/{deal_id}", json={"properties": {"partner_discount": "7.5"}}
    )
    assert r.status_code == 200 and r.json()["properties"]["partner_discount"] == "7.5"
    with pytest.raises(ApiException) as err:
        client.crm.properties.core_api.create(
            "deals",
            PropertyCreate(name="partner_discount", label="x", type="number",
                           field_type="number", group_name="dealinformation"),
        )  # fmt: skip
    assert err.value.status == 409 and "OBJECT_ALREADY_EXISTS" in err.value.body
    tickets = client.crm.properties.core_api.create(
        "tickets",
        PropertyCreate(name="rma_number", label="RMA", type="string", field_type="text", group_name="ticketinformation"),
    )  # fmt: skip
    assert tickets.name in {
        p.name for p in client.crm.properties.core_api.get_all("tickets").results
    }


def test_deal_pipeline(client: HubSpot) -> None:
    pipelines = client.crm.pipelines.pipelines_api.get_all("deals").results
    assert [p.id for p in pipelines] == ["default"]
    stages = {s.id: s.metadata for s in pipelines[0].stages}
    assert stages["closedwon"] == {"isClosed": "true", "probability": "1.0"}
    assert len(stages) == 7
    one = client.crm.pipelines.pipeline_stages_api.get_by_id("deals", "default", "contractsent")
    assert one.label == "Contract Sent"


def test_schemas(client: HubSpot, http: httpx.Client) -> None:
    assert client.crm.schemas.core_api.get_all().results == []
    made = client.crm.schemas.core_api.create(
        ObjectSchemaEgg(
            name="license", labels={"singular": "License", "plural": "Licenses"},
            required_properties=["key"], properties=[{"name": "key", "label": "Key", "type": "string", "fieldType": "text"}],
            associated_objects=["0-2"], primary_display_property="key",
        )
    )  # fmt: skip
    assert made.object_type_id.startswith("2-")
    assert [s.name for s in client.crm.schemas.core_api.get_all().results] == ["license"]
    deal_schema = http.get("/crm/v3/schemas/deals").json()
    assert deal_schema["objectTypeId"] == "0-3"
    assert {"341", "5", "3", "19"} <= {a["id"] for a in deal_schema["associations"]}


def test_channel_properties_the_mappings_read(client: HubSpot) -> None:
    def options(object_type: str, name: str) -> list[str]:
        prop = client.crm.properties.core_api.get_by_name(object_type, name)
        assert prop.type == "enumeration" and prop.hubspot_defined is None
        return [o.value for o in prop.options]

    assert options("companies", "partner_tier") == ["Platinum", "Gold", "Silver", "Registered"]
    assert options("deals", "registration_status") == ["Pending", "Approved", "Rejected", "Expired"]
    assert options("contacts", "channel_buyer_role") == ["buyer", "approver", "admin"]
    deals = {p.name: p for p in client.crm.properties.core_api.get_all("deals").results}
    assert deals["registration_discount_percent"].type == "number"
    assert (deals["registration_expires_on"].type, deals["registration_expires_on"].field_type) == (
        "date",
        "date",
    )
    assert deals["registration_scope"].type == "string"
    lines = {p.name: p.type for p in client.crm.properties.core_api.get_all("line_items").results}
    assert lines["hs_discount_percentage"] == lines["hs_position_on_quote"] == "number"


@pytest.mark.parametrize(
    "written", ["2027-03-01", "1803859200000", "2027-03-01T00:00:00Z", "2027-03-01T00:00:00.000Z"]
)
def test_a_date_property_takes_midnight_utc_and_serves_the_day(
    http: httpx.Client, hs: HubSpotSandboxHandle, written: str
) -> None:
    deal_id = hs.app.seed_id("D000003")
    r = http.patch(
        f"/crm/v3/objects/deals/{deal_id}",
        json={"properties": {"registration_expires_on": written}},
    )
    assert r.status_code == 200, r.text
    assert r.json()["properties"]["registration_expires_on"] == "2027-03-01"
    assert hs.app.record("deals", deal_id).props["registration_expires_on"] == "2027-03-01"


@pytest.mark.parametrize(
    ("written", "at"),
    [("1803895200000", "10:0:0.0"), ("2027-03-01T23:59:59.250Z", "23:59:59.250"),
     ("2027-03-01T00:00:00+01:00", "23:0:0.0")],
)  # fmt: skip
def test_a_date_property_refuses_other_times_as_hubspot_does(
    http: httpx.Client, hs: HubSpotSandboxHandle, written: str, at: str
) -> None:
    deal_id = hs.app.seed_id("D000006")
    before = hs.app.record("deals", deal_id).props.get("registration_expires_on")
    r = http.patch(
        f"/crm/v3/objects/deals/{deal_id}",
        json={"properties": {"registration_expires_on": written}},
    )
    assert r.status_code == 400 and r.json()["category"] == "VALIDATION_ERROR"
    assert r.json()["message"].startswith("Property values were not valid")
    assert "INVALID_DATE" in r.text and f"{written} is at {at} UTC, not midnight!" in r.text
    assert hs.app.record("deals", deal_id).props.get("registration_expires_on") == before
