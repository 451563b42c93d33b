"""The admin API over HTTP: records, stamps, associations, request log and call counts, seeding."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
from hubspot import HubSpot
from hubspot.crm.deals import PublicObjectSearchRequest

from crm_sandbox.hubspot import HubSpotSandboxHandle, build_hubspot_sandbox


def _admin(hs: HubSpotSandboxHandle) -> httpx.Client:
    return httpx.Client(base_url=hs.base_url + "/__admin/hubspot", timeout=10)


def _modified_since(client: HubSpot, since: datetime) -> list[str]:
    flt = {
        "propertyName": "hs_lastmodifieddate",
        "operator": "GT",
        "value": str(int(since.timestamp() * 1000)),
    }
    page = client.crm.deals.search_api.do_search(
        PublicObjectSearchRequest(filter_groups=[{"filters": [flt]}], limit=200)
    )
    return [r.id for r in page.results]


def test_what_a_sync_sees_after_admin_changes(client: HubSpot, hs: HubSpotSandboxHandle) -> None:
    """Edits bump the stamp; silent edits, archive and association changes do not."""
    cursor = max(r.updated for r in hs.app.records("deals"))
    ids = {k: str(hs.app.seed_id(k)) for k in ("D000030", "D000031", "D000032", "D000033")}
    with _admin(hs) as admin:
        edited = admin.patch(
            f"/records/deals/{ids['D000030']}", json={"properties": {"amount": "1"}}
        )
        assert edited.status_code == 200
        silent = admin.patch(
            f"/records/deals/{ids['D000031']}", json={"properties": {"amount": "2"}, "bump": False}
        )
        assert silent.json()["properties"]["amount"] == "2"
        assert admin.post(f"/records/deals/{ids['D000032']}/archive").status_code == 204
        company = hs.app.seed_id("C00002")
        link = {
            "from_type": "deals",
            "from_id": ids["D000033"],
            "to_type": "companies",
            "to_id": company,
        }
        assert admin.post("/associations", json=link).status_code == 204
    assert company in hs.app.associated_ids("deals", ids["D000033"], "companies")
    assert _modified_since(client, cursor) == [ids["D000030"]]
    archived = httpx.get(
        hs.base_url + "/__admin/hubspot/records/deals", params={"archived": "true"}
    ).json()
    assert ids["D000032"] in {r["id"] for r in archived}
    assert all("channelsync_id" in r["properties"] for r in archived)  # every property shown


def test_set_and_bump_stamps_and_delete(client: HubSpot, hs: HubSpotSandboxHandle) -> None:
    deal = str(hs.app.seed_id("D000034"))
    with _admin(hs) as admin:
        r = admin.post(f"/records/deals/{deal}/stamp", json={"at": "2020-02-03T04:05:06.789Z"})
        assert r.json() == {"updatedAt": "2020-02-03T04:05:06.789Z"}
        fetched = client.crm.deals.basic_api.get_by_id(deal)
        assert fetched.properties["hs_lastmodifieddate"] == "2020-02-03T04:05:06.789Z"
        bumped = admin.post(f"/records/deals/{deal}/stamp").json()["updatedAt"]
        assert bumped > "2026"
        made = admin.post(
            "/records/contacts",
            json={"properties": {"email": "new@x.example"}, "updated": "2021-01-01T00:00:00Z"},
        )
        contact = made.json()["id"]
        assert hs.app.record("contacts", contact).updated == datetime(2021, 1, 1, tzinfo=UTC)
        assert admin.delete(f"/records/deals/{deal}").status_code == 204
        assert admin.delete(f"/records/deals/{deal}").status_code == 404
        assert admin.post("/records/widgets", json={"properties": {}}).status_code == 404
        bad = admin.post("/records/deals", json={"properties": {"amount": "many"}})
        assert bad.status_code == 400 and "INVALID_DECIMAL" in bad.text
    archived = client.crm.deals.basic_api.get_page(archived=True, limit=100).results
    assert deal not in {d.id for d in archived}


def test_request_log_and_call_counts(client: HubSpot, hs: HubSpotSandboxHandle) -> None:
    hs.app.reset_log()
    client.crm.products.basic_api.get_page(limit=2, properties=["hs_sku"])
    client.crm.products.basic_api.get_page(limit=2)
    calls = httpx.get(hs.base_url + "/__admin/calls").json()
    assert calls == {"products.list": 2}
    log = httpx.get(hs.base_url + "/__admin/requests", params={"route": "products.list"}).json()
    assert log[0]["path"] == "/crm/v3/objects/products" and log[0]["query"]["properties"] == [
        "hs_sku"
    ]
    seed = httpx.get(hs.base_url + "/__admin/hubspot/seed").json()
    assert seed["ids"]["D000000"] == str(hs.app.seed_id("D000000"))


def test_seed_is_deterministic_and_in_the_past() -> None:
    a, token = build_hubspot_sandbox(seed=3, records=100)
    b, _ = build_hubspot_sandbox(seed=3, records=100)
    assert token.startswith("pat-")
    names = [(r.props["dealname"], r.props["amount"]) for r in a.records("deals")]
    assert names == [(r.props["dealname"], r.props["amount"]) for r in b.records("deals")]
    now = datetime.now(UTC)
    for kind in ("companies", "contacts", "products", "deals", "line_items"):
        records = a.records(kind)
        assert records, kind
        assert all(r.created <= r.updated < now for r in records)
    sku_line = a.records("line_items")[0]
    product = a.record("products", sku_line.props["hs_product_id"])
    assert product.props["hs_sku"] == sku_line.props["hs_sku"]
    roles = {r.props["channel_role"] for r in a.records("companies")}
    assert roles == {"reseller", "distributor", "customer"}
