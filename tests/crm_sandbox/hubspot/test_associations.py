"""Associations: the v3 ``associations`` parameter and v4 (PUT, default, batch, labels), and
that association changes never bump ``hs_lastmodifieddate``."""

from __future__ import annotations

import httpx
from hubspot import HubSpot
from hubspot.crm.associations.v4 import (
    AssociationSpec,
    BatchInputPublicAssociationMultiArchive,
    BatchInputPublicAssociationMultiPost,
    BatchInputPublicFetchAssociationsBatchRequest,
)
from hubspot.crm.associations.v4.schema import PublicAssociationDefinitionCreateRequest

from crm_sandbox.hubspot import HubSpotSandboxHandle


def test_seeded_deal_associations_v3_and_v4(client: HubSpot, hs: HubSpotSandboxHandle) -> None:
    deal_id = hs.app.seed_id("D000001")  # deal 1 has a partner (every deal i with i % 4 != 0)
    deal = client.crm.deals.basic_api.get_by_id(
        str(deal_id), associations=["companies", "line_items", "contacts"]
    )
    companies = deal.associations["companies"].results
    types = {(a.id, a.type) for a in companies}
    assert any(t == "deal_to_company" for _, t in types)
    assert any(t == "partner" for _, t in types)
    assert len(deal.associations["line items"].results) >= 1
    v4 = client.crm.associations.v4.basic_api.get_page("deals", str(deal_id), "companies")
    labels = {s.label for r in v4.results for s in r.association_types}
    assert labels == {None, "Primary", "Partner"}
    type_ids = {s.type_id for r in v4.results for s in r.association_types}
    assert {5, 341, hs.app.seed.partner_label_id} <= type_ids
    back = client.crm.associations.v4.basic_api.get_page(
        "line_items", str(deal.associations["line items"].results[0].id), "deals"
    )
    assert back.results[0].to_object_id == str(deal_id)
    assert [s.type_id for s in back.results[0].association_types] == [20]


def test_put_labeled_and_default_do_not_bump_stamps(
    client: HubSpot, hs: HubSpotSandboxHandle
) -> None:
    deal_id, contact_id = hs.app.seed_id("D000002"), hs.app.seed_id("K00003")
    company_id = hs.app.seed_id("C00004")
    before = (
        hs.app.record("deals", deal_id).updated,
        hs.app.record("contacts", contact_id).updated,
    )
    pair = client.crm.associations.v4.basic_api.create(
        "deals", str(deal_id), "companies", str(company_id),
        [AssociationSpec(association_category="HUBSPOT_DEFINED", association_type_id=5)],
    )  # fmt: skip
    assert pair.labels == ["Primary"] and pair.from_object_type_id == "0-3"
    default = client.crm.associations.v4.basic_api.create_default(
        "deals", str(deal_id), "contacts", str(contact_id)
    )
    assert default.results[0].association_spec.association_type_id == 3
    after = (hs.app.record("deals", deal_id).updated, hs.app.record("contacts", contact_id).updated)
    assert after == before
    fetched = client.crm.deals.basic_api.get_by_id(str(deal_id))
    assert fetched.updated_at == before[0]
    # the new primary company replaced the old one, which stays associated unlabeled
    primaries = [
        r.to_object_id
        for r in client.crm.associations.v4.basic_api.get_page(
            "deals", str(deal_id), "companies"
        ).results
        if any(s.type_id == 5 for s in r.association_types)
    ]
    assert primaries == [str(company_id)]
    client.crm.associations.v4.basic_api.archive("deals", str(deal_id), "contacts", str(contact_id))
    assert contact_id not in hs.app.associated_ids("deals", deal_id, "contacts")
    assert hs.app.record("deals", deal_id).updated == before[0]


def test_batch_create_read_archive(client: HubSpot, hs: HubSpotSandboxHandle) -> None:
    deal_ids = [hs.app.seed_id("D000006"), hs.app.seed_id("D000007")]
    contact = hs.app.seed_id("K00009")
    spec = {"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 3}
    created = client.crm.associations.v4.batch_api.create(
        "deals", "contacts",
        BatchInputPublicAssociationMultiPost(
            inputs=[{"from": {"id": str(d)}, "to": {"id": str(contact)}, "types": [spec]} for d in deal_ids]
        ),
    )  # fmt: skip
    assert [r.to_object_id for r in created.results] == [str(contact)] * 2
    read = client.crm.associations.v4.batch_api.get_page(
        "deals", "contacts",
        BatchInputPublicFetchAssociationsBatchRequest(inputs=[{"id": str(d)} for d in [*deal_ids, 5]]),
    )  # fmt: skip
    assert {r._from.id for r in read.results} == {str(d) for d in deal_ids}
    assert all(str(contact) in {t.to_object_id for t in r.to} for r in read.results)
    assert read.num_errors == 1 and read.errors[0].sub_category.endswith("NO_ASSOCIATIONS_FOUND")
    client.crm.associations.v4.batch_api.archive(
        "deals", "contacts",
        BatchInputPublicAssociationMultiArchive(
            inputs=[{"from": {"id": str(d)}, "to": [{"id": str(contact)}]} for d in deal_ids]
        ),
    )  # fmt: skip
    assert all(contact not in hs.app.associated_ids("deals", d, "contacts") for d in deal_ids)


def test_labels_read_and_create(client: HubSpot, http: httpx.Client) -> None:
    labels = client.crm.associations.v4.schema.definitions_api.get_all("deals", "companies")
    by_id = {r.type_id: r.label for r in labels.results}
    assert by_id[341] is None and by_id[5] == "Primary" and "Partner" in by_id.values()
    made = client.crm.associations.v4.schema.definitions_api.create(
        "deals", "contacts",
        PublicAssociationDefinitionCreateRequest(label="Champion", name="champion", inverse_label="Champions deal"),
    )  # fmt: skip
    assert [r.category for r in made.results] == ["USER_DEFINED", "USER_DEFINED"]
    inverse = http.get("/crm/v4/associations/contacts/deals/labels").json()["results"]
    assert {
        "category": "USER_DEFINED",
        "typeId": made.results[1].type_id,
        "label": "Champions deal",
    } in inverse
    line_to_deal = http.get("/crm/v4/associations/line_items/deals/labels").json()["results"]
    assert line_to_deal == [{"category": "HUBSPOT_DEFINED", "typeId": 20, "label": None}]


def test_batch_default_label_removal_and_label_lifecycle(
    http: httpx.Client, hs: HubSpotSandboxHandle
) -> None:
    quote = hs.app.create_record("quotes", {"hs_title": "Q-assoc"})
    deal = hs.app.seed_id("D000013")
    r = http.post(
        "/crm/v4/associations/quotes/deals/batch/associate/default",
        json={"inputs": [{"from": {"id": str(quote)}, "to": {"id": str(deal)}}]},
    )
    assert r.status_code == 200
    assert r.json()["results"][0]["associationSpec"] == {
        "associationCategory": "HUBSPOT_DEFINED",
        "associationTypeId": 64,
    }
    assert hs.app.associated_ids("deals", deal, "quotes") == [quote]
    label = http.post(
        "/crm/v4/associations/deals/quotes/labels", json={"label": "Final", "name": "final"}
    ).json()["results"][0]["typeId"]
    put = http.put(
        f"/crm/v4/objects/deals/{deal}/associations/quotes/{quote}",
        json=[{"associationCategory": "USER_DEFINED", "associationTypeId": label}],
    )
    assert put.status_code == 201 and put.json()["labels"] == ["Final"]
    removed = http.post(
        "/crm/v4/associations/deals/quotes/batch/labels/archive",
        json={"inputs": [{"from": {"id": str(deal)}, "to": {"id": str(quote)},
                          "types": [{"associationCategory": "USER_DEFINED", "associationTypeId": label}]}]},
    )  # fmt: skip
    assert removed.status_code == 204
    kept = http.get(f"/crm/v4/objects/deals/{deal}/associations/quotes").json()["results"]
    assert kept == [
        {"toObjectId": quote, "associationTypes": [
            {"category": "HUBSPOT_DEFINED", "typeId": 63, "label": None}]}
    ]  # fmt: skip
    renamed = http.put(
        "/crm/v4/associations/deals/quotes/labels",
        json={"associationTypeId": label, "label": "Signed"},
    )
    assert renamed.status_code == 204
    labels = http.get("/crm/v4/associations/deals/quotes/labels").json()["results"]
    assert {"category": "USER_DEFINED", "typeId": label, "label": "Signed"} in labels
    assert http.delete(f"/crm/v4/associations/deals/quotes/labels/{label}").status_code == 204
    assert http.delete("/crm/v4/associations/deals/quotes/labels/63").status_code == 404
    bad = http.put(
        f"/crm/v4/objects/deals/{deal}/associations/quotes/{quote}",
        json=[{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 341}],
    )
    assert bad.status_code == 400 and bad.json()["category"] == "VALIDATION_ERROR"
