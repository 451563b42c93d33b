"""The sandbox's OAuth token endpoint (refresh-token grant) and v4 batch-read association paging."""

from __future__ import annotations

import httpx
from hubspot import HubSpot
from hubspot.crm.associations.v4 import BatchInputPublicFetchAssociationsBatchRequest

from crm_sandbox.hubspot import HubSpotSandboxHandle


def test_refresh_token_grant_issues_a_working_access_token(hs: HubSpotSandboxHandle) -> None:
    refresh = hs.app.issue_refresh_token("app-1", "s3cret")
    client = HubSpot(host=hs.base_url)
    tokens = client.oauth.tokens_api.create(
        grant_type="refresh_token", client_id="app-1", client_secret="s3cret", refresh_token=refresh
    )
    assert tokens.refresh_token == refresh and tokens.expires_in == 1800
    assert tokens.token_type == "bearer"
    deals = HubSpot(access_token=tokens.access_token, host=hs.base_url).crm.deals.basic_api
    assert len(deals.get_page(limit=5).results) == 5


def test_refused_refresh_requests(hs: HubSpotSandboxHandle) -> None:
    refresh = hs.app.issue_refresh_token("app-2", "right")
    with httpx.Client(base_url=hs.base_url) as http:

        def post(**form: str) -> httpx.Response:
            return http.post("/oauth/v1/token", data={"grant_type": "refresh_token", **form})

        bad_secret = post(client_id="app-2", client_secret="wrong", refresh_token=refresh)
        assert bad_secret.status_code == 400 and bad_secret.json()["status"] == "BAD_CLIENT_ID"
        hs.app.revoke_refresh_token(refresh)
        revoked = post(client_id="app-2", client_secret="right", refresh_token=refresh)
        assert revoked.status_code == 400 and revoked.json()["status"] == "BAD_REFRESH_TOKEN"
        grant = http.post("/oauth/v1/token", data={"grant_type": "authorization_code"})
        assert grant.json()["status"] == "BAD_GRANT_TYPE"
        issued = http.post(
            "/__admin/hubspot/oauth/refresh-tokens",
            json={"client_id": "app-2", "client_secret": "right"},
        )
        fresh = post(client_id="app-2", client_secret="right", **issued.json())
        assert fresh.status_code == 200 and fresh.json()["access_token"].startswith("oat-")


def test_batch_read_pages_each_records_associations(
    client: HubSpot, hs: HubSpotSandboxHandle
) -> None:
    deal = hs.app.seed_id("D000001")  # associated with its customer and its partner company
    hs.app.set_association_page_size(1)
    try:
        api = client.crm.associations.v4.batch_api
        first = api.get_page(
            "deals", "companies", BatchInputPublicFetchAssociationsBatchRequest([{"id": str(deal)}])
        )
        after = first.results[0].paging.next.after
        second = api.get_page(
            "deals",
            "companies",
            BatchInputPublicFetchAssociationsBatchRequest([{"id": str(deal), "after": after}]),
        )
    finally:
        hs.app.set_association_page_size(500)
    ids = [t.to_object_id for r in (first, second) for t in r.results[0].to]
    assert sorted(int(i) for i in ids) == hs.app.associated_ids("deals", deal, "companies")
    assert second.results[0].paging is None
