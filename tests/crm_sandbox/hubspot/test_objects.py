"""CRM v3 object endpoints through hubspot-api-client and httpx: list, get, create, update, archive."""

from __future__ import annotations

import httpx
import pytest
from hubspot import HubSpot
from hubspot.crm.deals import (
    ApiException,
    SimplePublicObjectInput,
    SimplePublicObjectInputForCreate,
)

from crm_sandbox.hubspot import HubSpotSandboxHandle


def test_get_all_pages_through_every_deal(client: HubSpot, hs: HubSpotSandboxHandle) -> None:
    deals = client.crm.deals.get_all(properties=["dealname", "dealstage"])
    expected = {str(r.id) for r in hs.app.records("deals")}
    assert {d.id for d in deals} == expected
    assert len(deals) >= 40
    assert all(d.properties["dealname"].startswith("Deal ") for d in deals)
    assert all(d.updated_at is not None and d.created_at < d.updated_at for d in deals)


def test_list_paging_shape_and_limit(client: HubSpot, http: httpx.Client) -> None:
    page = client.crm.deals.basic_api.get_page(limit=7)
    assert len(page.results) == 7
    after = page.paging.next.after
    assert int(after) > int(page.results[-1].id)
    nxt = client.crm.deals.basic_api.get_page(limit=7, after=after)
    assert int(nxt.results[0].id) == int(after)
    # default properties of a deal when none are asked for
    assert set(page.results[0].properties) == {
        "amount", "closedate", "createdate", "dealname", "dealstage",
        "hs_lastmodifieddate", "hs_object_id", "pipeline",
    }  # fmt: skip
    assert http.get("/crm/v3/objects/deals", params={"limit": 101}).status_code == 400
    raw = http.get("/crm/v3/objects/deals", params={"limit": 1}).json()
    assert raw["results"][0]["createdAt"].endswith("Z")
    assert len(raw["results"][0]["createdAt"]) == len("2024-01-01T00:00:00.000Z")


def test_repeated_properties_and_type_id_paths(http: httpx.Client, client: HubSpot) -> None:
    r = http.get(
        "/crm/v3/objects/0-3",
        params=[("limit", "2"), ("properties", "dealname"), ("properties", "quote_requested")],
    )
    assert r.status_code == 200
    props = r.json()["results"][0]["properties"]
    assert {"dealname", "quote_requested", "hs_object_id", "createdate"} <= set(props)
    assert "amount" not in props
    by_id = client.crm.objects.basic_api.get_page("0-2", limit=3, properties=["name"])
    assert len(by_id.results) == 3 and by_id.results[0].properties["name"]
    contacts = client.crm.objects.basic_api.get_page("0-1", limit=1)
    assert "lastmodifieddate" in contacts.results[0].properties


def test_get_by_id_and_by_unique_property(client: HubSpot, hs: HubSpotSandboxHandle) -> None:
    deal_id = hs.app.seed_id("D000003")
    deal = client.crm.deals.basic_api.get_by_id(str(deal_id), properties=["deal_registration"])
    assert deal.properties["deal_registration"] == "true"
    hs.app.change_record("deals", deal_id, {"channelsync_id": "core-deal-3"})
    same = client.crm.deals.basic_api.get_by_id("core-deal-3", id_property="channelsync_id")
    assert same.id == str(deal_id)
    with pytest.raises(ApiException) as err:
        client.crm.deals.basic_api.get_by_id("999")
    assert err.value.status == 404
    assert '"category":"OBJECT_NOT_FOUND"' in err.value.body


def test_create_with_association_and_validation(client: HubSpot, hs: HubSpotSandboxHandle) -> None:
    company = hs.app.seed_id("C00001")
    created = client.crm.deals.basic_api.create(
        SimplePublicObjectInputForCreate(
            properties={"dealname": "New one", "amount": "1200.50", "closedate": "1767225600000"},
            associations=[
                {
                    "to": {"id": str(company)},
                    "types": [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 5}],
                }
            ],
        )
    )
    assert created.properties["closedate"] == "2026-01-01T00:00:00.000Z"
    assert created.properties["amount"] == "1200.50"
    assert hs.app.associated_ids("deals", created.id, "companies") == [company]
    with pytest.raises(ApiException) as err:
        client.crm.deals.basic_api.create(
            SimplePublicObjectInputForCreate(properties={"dealname": "x", "nope": "1"})
        )
    assert err.value.status == 400
    assert "PROPERTY_DOESNT_EXIST" in err.value.body and "nope" in err.value.body
    with pytest.raises(ApiException) as err:
        client.crm.deals.basic_api.create(
            SimplePublicObjectInputForCreate(properties={"dealstage": "not-a-stage"})
        )
    assert "INVALID_OPTION" in err.value.body


def test_update_bumps_stamp_only_on_change(client: HubSpot, hs: HubSpotSandboxHandle) -> None:
    deal_id = str(hs.app.seed_id("D000004"))
    before = hs.app.record("deals", deal_id).updated
    name = hs.app.record("deals", deal_id).props["dealname"]
    same = client.crm.deals.basic_api.update(
        deal_id, SimplePublicObjectInput(properties={"dealname": name})
    )
    assert same.updated_at == before
    changed = client.crm.deals.basic_api.update(
        deal_id, SimplePublicObjectInput(properties={"dealname": "Deal 4 renamed"})
    )
    assert changed.updated_at > before
    assert (
        changed.properties["hs_lastmodifieddate"]
        == changed.updated_at.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
    )
    assert hs.app.record("deals", deal_id).props["dealname"] == "Deal 4 renamed"


def test_archive_keeps_stamp_and_lists_as_archived(
    client: HubSpot, http: httpx.Client, hs: HubSpotSandboxHandle
) -> None:
    deal_id = str(hs.app.seed_id("D000005"))
    stamp = hs.app.record("deals", deal_id).updated
    client.crm.deals.basic_api.archive(deal_id)
    assert deal_id not in {d.id for d in client.crm.deals.get_all()}
    with pytest.raises(ApiException) as err:
        client.crm.deals.basic_api.get_by_id(deal_id)
    assert err.value.status == 404
    for flag in ("true", "TRUE", "True"):
        body = http.get("/crm/v3/objects/deals", params={"archived": flag, "limit": 100}).json()
        archived = [r for r in body["results"] if r["id"] == deal_id]
        assert len(archived) == 1 and archived[0]["archived"] is True
        assert archived[0]["archivedAt"].endswith("Z")
    fetched = client.crm.deals.basic_api.get_by_id(deal_id, archived=True)
    assert fetched.updated_at == stamp and fetched.archived is True
    assert http.delete("/crm/v3/objects/deals/424242").status_code == 204


def test_auth_and_unknown_object_type(hs: HubSpotSandboxHandle, http: httpx.Client) -> None:
    bad = HubSpot(access_token="pat-na1-wrong", host=hs.base_url)
    with pytest.raises(ApiException) as err:
        bad.crm.deals.basic_api.get_page()
    assert err.value.status == 401
    assert '"category":"INVALID_AUTHENTICATION"' in err.value.body
    assert httpx.get(hs.base_url + "/crm/v3/objects/deals").status_code == 401
    r = http.get("/crm/v3/objects/widgets")
    assert r.status_code == 400
    assert r.json()["message"] == "Unable to infer object type from: widgets"
    assert r.json()["correlationId"]


def test_properties_with_history(client: HubSpot, hs: HubSpotSandboxHandle) -> None:
    deal_id = str(hs.app.seed_id("D000008"))
    first = hs.app.record("deals", deal_id).props["dealstage"]
    client.crm.deals.basic_api.update(
        deal_id, SimplePublicObjectInput(properties={"dealstage": "closedwon"})
    )
    deal = client.crm.deals.basic_api.get_by_id(deal_id, properties_with_history=["dealstage"])
    history = deal.properties_with_history["dealstage"]
    assert [h.value for h in history] == ["closedwon", first]
    assert [h.source_type for h in history] == ["API", "CRM_UI"]
    assert history[0].timestamp == deal.updated_at


def test_every_stored_type_by_type_id(client: HubSpot, hs: HubSpotSandboxHandle) -> None:
    from hubspot.crm.objects import SimplePublicObjectInputForCreate as ObjectInput

    for type_id, name, props in (
        ("0-14", "quotes", {"hs_title": "Q-1", "hs_expiration_date": "2027-01-31"}),
        ("0-123", "orders", {"hs_order_name": "O-1", "hs_total_price": "99.90"}),
        ("0-8", "line_items", {"name": "Seat", "quantity": "3", "price": "10", "discount": "1"}),
        ("0-7", "products", {"name": "Widget", "hs_sku": "W-1", "price": "5"}),
    ):
        made = client.crm.objects.basic_api.create(type_id, ObjectInput(properties=props))
        listed = client.crm.objects.basic_api.get_page(type_id, limit=100, properties=list(props))
        assert made.id in {r.id for r in listed.results}
        assert hs.app.record(name, made.id).otype.type_id == type_id
    quote = hs.app.records("quotes")[-1]
    assert quote.value("hs_expiration_date") == "2027-01-31T00:00:00.000Z"
    assert hs.app.records("line_items")[-1].value("amount") == "27"  # 3 x (10 - 1), calculated


def test_gdpr_delete_is_permanent(http: httpx.Client, hs: HubSpotSandboxHandle) -> None:
    contact = hs.app.seed_id("K00011")
    email = hs.app.record("contacts", contact).props["email"]
    r = http.post(
        "/crm/v3/objects/contacts/gdpr-delete", json={"objectId": email, "idProperty": "email"}
    )
    assert r.status_code == 204
    assert contact not in {c.id for c in hs.app.records("contacts", archived=True)}
    assert contact not in {c.id for c in hs.app.records("contacts")}
    again = http.post("/crm/v3/objects/contacts/gdpr-delete", json={"objectId": str(contact)})
    assert again.status_code == 404
