"""CRM search through hubspot-api-client: every operator, sorts, paging, limits and the 10k cap."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import httpx
import pytest
from hubspot import HubSpot
from hubspot.crm.deals import ApiException, PublicObjectSearchRequest

from crm_sandbox.hubspot import HubSpotSandboxHandle
from crm_sandbox.hubspot.store import HsRecord
from crm_sandbox.hubspot.wire import epoch_ms, parse_when


def _all_hits(client: HubSpot, request: dict[str, Any]) -> list[str]:
    ids: list[str] = []
    after: str | None = None
    while True:
        page = client.crm.deals.search_api.do_search(
            PublicObjectSearchRequest(**request, limit=15, after=after)
        )
        ids += [r.id for r in page.results]
        if page.paging is None:
            assert page.total == len(ids)
            return ids
        after = page.paging.next.after


def _amount(r: HsRecord) -> Decimal:
    return Decimal(r.props["amount"])


def _stamp(r: HsRecord) -> int:
    return epoch_ms(r.updated)


CASES: list[tuple[dict[str, Any], Callable[[HsRecord], bool]]] = [
    ({"propertyName": "quote_requested", "operator": "EQ", "value": "true"},
     lambda r: r.props.get("quote_requested") == "true"),
    ({"propertyName": "dealstage", "operator": "NEQ", "value": "closedwon"},
     lambda r: r.props.get("dealstage") != "closedwon"),
    ({"propertyName": "amount", "operator": "LT", "value": "20000"}, lambda r: _amount(r) < 20000),
    ({"propertyName": "amount", "operator": "LTE", "value": "20000"},
     lambda r: _amount(r) <= 20000),
    ({"propertyName": "amount", "operator": "GT", "value": "50000"}, lambda r: _amount(r) > 50000),
    ({"propertyName": "amount", "operator": "GTE", "value": "50000"},
     lambda r: _amount(r) >= 50000),
    ({"propertyName": "amount", "operator": "BETWEEN", "value": "10000", "highValue": "60000"},
     lambda r: 10000 <= _amount(r) <= 60000),
    ({"propertyName": "dealstage", "operator": "IN", "values": ["closedwon", "closedlost"]},
     lambda r: r.props.get("dealstage") in ("closedwon", "closedlost")),
    ({"propertyName": "dealstage", "operator": "NOT_IN", "values": ["closedwon", "closedlost"]},
     lambda r: r.props.get("dealstage") not in ("closedwon", "closedlost")),
    ({"propertyName": "registration_status", "operator": "HAS_PROPERTY"},
     lambda r: "registration_status" in r.props),
    ({"propertyName": "registration_status", "operator": "NOT_HAS_PROPERTY"},
     lambda r: "registration_status" not in r.props),
    ({"propertyName": "dealname", "operator": "CONTAINS_TOKEN", "value": "00001*"},
     lambda r: r.props["dealname"].split()[1].startswith("00001")),
    ({"propertyName": "dealname", "operator": "NOT_CONTAINS_TOKEN", "value": "000002"},
     lambda r: r.props["dealname"].split()[1] != "000002"),
]  # fmt: skip


@pytest.mark.parametrize(("flt", "expected"), CASES, ids=[c[0]["operator"] for c in CASES])
def test_operator(
    client: HubSpot,
    hs: HubSpotSandboxHandle,
    flt: dict[str, Any],
    expected: Callable[[HsRecord], bool],
) -> None:
    deals = hs.app.records("deals")
    want = {str(r.id) for r in deals if expected(r)}
    assert 0 < len(want) < len(deals)  # the case discriminates
    got = _all_hits(client, {"filter_groups": [{"filters": [flt]}]})
    assert set(got) == want
    assert len(got) == len(want)


def test_datetime_filter_and_sort_as_a_sync_does(client: HubSpot, hs: HubSpotSandboxHandle) -> None:
    stamps = sorted(_stamp(r) for r in hs.app.records("deals"))
    since = stamps[len(stamps) // 2]
    request = {
        "filter_groups": [
            {
                "filters": [
                    {"propertyName": "hs_lastmodifieddate", "operator": "GTE", "value": str(since)}
                ]
            }
        ],
        "sorts": [{"propertyName": "hs_lastmodifieddate", "direction": "ASCENDING"}],
        "properties": ["hs_lastmodifieddate", "dealname"],
    }
    page = client.crm.deals.search_api.do_search(PublicObjectSearchRequest(**request, limit=200))
    got = [parse_when(r.properties["hs_lastmodifieddate"]) for r in page.results]
    assert [epoch_ms(g) for g in got if g] == [s for s in stamps if s >= since]
    assert page.total == len(page.results)


def test_filter_groups_are_ored_and_sorts_descend(
    client: HubSpot, hs: HubSpotSandboxHandle
) -> None:
    groups = [
        {"filters": [{"propertyName": "dealstage", "operator": "EQ", "value": "closedwon"}]},
        {"filters": [{"propertyName": "dealstage", "operator": "EQ", "value": "closedlost"}]},
    ]
    page = client.crm.deals.search_api.do_search(
        PublicObjectSearchRequest(
            filter_groups=groups, sorts=["-amount"], properties=["amount"], limit=200
        )
    )
    amounts = [Decimal(r.properties["amount"]) for r in page.results]
    assert amounts == sorted(amounts, reverse=True)
    want = {
        r.id for r in hs.app.records("deals") if r.props["dealstage"] in ("closedwon", "closedlost")
    }
    assert {int(r.id) for r in page.results} == want


def test_limits_and_the_ten_thousand_cap(client: HubSpot, http: httpx.Client) -> None:
    with pytest.raises(ApiException) as err:
        client.crm.deals.search_api.do_search(PublicObjectSearchRequest(limit=100, after="9950"))
    assert err.value.status == 400
    assert '"category":"VALIDATION_ERROR"' in err.value.body
    assert http.post("/crm/v3/objects/deals/search", json={"limit": 201}).status_code == 400
    ok = http.post("/crm/v3/objects/deals/search", json={"limit": 100, "after": "9900"})
    assert ok.status_code == 200 and ok.json()["results"] == []
    too_many: list[dict[str, list[object]]] = [{"filters": []}] * 6
    assert (
        http.post("/crm/v3/objects/deals/search", json={"filterGroups": too_many}).status_code
        == 400
    )
    bad_op = {"filterGroups": [{"filters": [{"propertyName": "amount", "operator": "ABOUT"}]}]}
    assert http.post("/crm/v3/objects/deals/search", json=bad_op).status_code == 400


def test_search_leaves_out_archived_and_searches_text(
    client: HubSpot, hs: HubSpotSandboxHandle
) -> None:
    deal_id = hs.app.seed_id("D000010")
    hs.app.archive_record("deals", deal_id)
    ids = _all_hits(client, {})
    assert str(deal_id) not in ids
    assert len(ids) == len(hs.app.records("deals"))
    page = client.crm.deals.search_api.do_search(PublicObjectSearchRequest(query="Deal 000011"))
    assert [r.properties["dealname"] for r in page.results] == [
        hs.app.record("deals", hs.app.seed_id("D000011")).props["dealname"]
    ]


def test_search_by_association_and_by_type_id(client: HubSpot, hs: HubSpotSandboxHandle) -> None:
    from hubspot.crm.objects import PublicObjectSearchRequest as ObjectSearch

    company = hs.app.seed_id("C00003")
    want = {
        str(r.id)
        for r in hs.app.records("deals")
        if company in hs.app.associated_ids("deals", r.id, "companies")
    }
    assert want
    flt = {"propertyName": "associations.company", "operator": "EQ", "value": str(company)}
    page = client.crm.objects.search_api.do_search(
        "0-3", ObjectSearch(filter_groups=[{"filters": [flt]}], limit=100)
    )
    assert {r.id for r in page.results} == want and page.total == len(want)
