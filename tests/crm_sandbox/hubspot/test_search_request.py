"""Search bodies as extractors send them: top-level ``filters``, loose value types, unknown names."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import httpx
import pytest
from hubspot import HubSpot
from hubspot.crm.deals import ApiException, PublicObjectSearchRequest

from crm_sandbox.hubspot import HubSpotSandboxHandle
from crm_sandbox.hubspot.store import HsRecord
from crm_sandbox.hubspot.wire import epoch_ms, now

SEARCH = "/crm/v3/objects/deal/search"


def _walk(post: Any, body: dict[str, Any]) -> tuple[list[int], list[int]]:
    """Every id a search answers, page by page, and the ``total`` of each page."""
    ids: list[int] = []
    totals: list[int] = []
    after: str | None = None
    while True:
        page = post({**body, **({"after": after} if after else {})})
        ids += [int(r["id"]) for r in page["results"]]
        totals.append(page["total"])
        if "paging" not in page:
            return ids, totals
        after = page["paging"]["next"]["after"]


def _incremental_body(since: int, until: int, last_id: int) -> dict[str, Any]:
    """The body an extractor's incremental run sends: no filterGroups, numbers as JSON numbers."""
    return {
        "filters": [
            {"value": since, "propertyName": "hs_lastmodifieddate", "operator": "GTE"},
            {"value": until, "propertyName": "hs_lastmodifieddate", "operator": "LTE"},
            {"value": last_id, "propertyName": "hs_object_id", "operator": "GTE"},
        ],
        "sorts": [{"propertyName": "hs_object_id", "direction": "ASCENDING"}],
        "properties": ["dealname", "hs_lastmodifieddate"],
        "limit": 5,
    }


def _changed_since(hs: HubSpotSandboxHandle, since: int, last_id: int) -> list[int]:
    return sorted(
        r.id for r in hs.app.records("deals") if epoch_ms(r.updated) >= since and r.id >= last_id
    )


def test_top_level_filters_are_one_and_group_over_raw_http(
    http: httpx.Client, hs: HubSpotSandboxHandle
) -> None:
    deals = hs.app.records("deals")
    stamps = sorted(epoch_ms(r.updated) for r in deals)
    since, until = stamps[len(stamps) * 3 // 4], epoch_ms(now())
    middle = sorted(r.id for r in deals)[len(deals) // 8]
    want = _changed_since(hs, since, middle)
    assert 0 < len(want) < len(deals) - len(deals) // 8  # each filter takes records away

    def post(body: dict[str, Any]) -> Any:
        r = http.post(SEARCH, json=body)
        assert r.status_code == 200, r.text
        return r.json()

    ids, totals = _walk(post, _incremental_body(since, until, middle))
    assert ids == want
    assert set(totals) == {len(want)}


def test_top_level_filters_through_the_clients_generic_request(
    client: HubSpot, hs: HubSpotSandboxHandle
) -> None:
    deals = hs.app.records("deals")
    since = sorted(epoch_ms(r.updated) for r in deals)[len(deals) // 2]
    want = _changed_since(hs, since, 0)

    def post(body: dict[str, Any]) -> Any:
        r = client.api_request(
            {"method": "POST", "path": SEARCH, "body": body, "base_url": hs.base_url}
        )
        assert r.status_code == 200, r.text
        return r.json()

    ids, _ = _walk(post, _incremental_body(since, epoch_ms(now()), 0))
    assert ids == want and 0 < len(want) < len(deals)


def test_a_changed_record_is_found_by_the_next_incremental_run(
    http: httpx.Client, hs: HubSpotSandboxHandle
) -> None:
    cursor = max(epoch_ms(r.updated) for r in hs.app.records("deals")) + 1
    body = _incremental_body(cursor, epoch_ms(now() + timedelta(seconds=5)), 0)
    assert http.post(SEARCH, json=body).json()["total"] == 0
    changed = hs.app.seed_id("D000017")
    hs.app.change_record("deals", changed, {"amount": "4242.42"})
    page = http.post(SEARCH, json=body).json()
    assert [int(r["id"]) for r in page["results"]] == [changed]


def test_filters_and_filter_groups_together_are_refused(http: httpx.Client) -> None:
    flt = {"propertyName": "amount", "operator": "GT", "value": "1"}
    both = http.post(SEARCH, json={"filters": [flt], "filterGroups": [{"filters": [flt]}]})
    assert both.status_code == 400
    assert both.json()["category"] == "VALIDATION_ERROR"
    assert "filters and filterGroups were both given" in both.json()["message"]
    empty_top = http.post(SEARCH, json={"filters": [], "filterGroups": [{"filters": [flt]}]})
    assert empty_top.status_code == 200


def test_scalar_values_are_read_as_hubspot_reads_them(
    http: httpx.Client, hs: HubSpotSandboxHandle
) -> None:
    ids = sorted(r.id for r in hs.app.records("deals"))
    as_numbers = {
        "filters": [{"propertyName": "hs_object_id", "operator": "IN", "values": ids[:3]}],
        "limit": 100,
    }
    got = http.post(SEARCH, json=as_numbers).json()
    assert sorted(int(r["id"]) for r in got["results"]) == ids[:3]
    flagged = {r.id for r in hs.app.records("deals") if r.props["quote_requested"] == "true"}
    as_bool = {
        "filters": [{"propertyName": "quote_requested", "operator": "EQ", "value": True}],
        "limit": 100,
    }
    got = http.post(SEARCH, json=as_bool).json()
    assert {int(r["id"]) for r in got["results"]} == flagged and flagged


@pytest.mark.parametrize(
    ("where", "body"),
    [
        ("filter", {"filters": [{"propertyName": "amountt", "operator": "GT", "value": "1"}]}),
        (
            "group",
            {
                "filterGroups": [
                    {"filters": [{"propertyName": "amountt", "operator": "HAS_PROPERTY"}]}
                ]
            },
        ),
        ("sort", {"sorts": ["-amountt"]}),
        ("sort object", {"sorts": [{"propertyName": "amountt", "direction": "DESCENDING"}]}),
    ],
)
def test_a_property_that_does_not_exist_is_a_400(
    http: httpx.Client, where: str, body: dict[str, Any]
) -> None:
    r = http.post(SEARCH, json=body)
    assert r.status_code == 400, where
    err = r.json()
    assert err["status"] == "error" and err["category"] == "VALIDATION_ERROR"
    assert err["message"].startswith('Property "amountt" does not exist on object type DEAL')
    assert err["context"] == {"propertyName": ["amountt"]}


def test_a_property_that_does_not_exist_through_the_client(client: HubSpot) -> None:
    flt = {"propertyName": "amountt", "operator": "EQ", "value": "1"}
    with pytest.raises(ApiException) as err:
        client.crm.deals.search_api.do_search(
            PublicObjectSearchRequest(filter_groups=[{"filters": [flt]}])
        )
    assert err.value.status == 400
    body = json.loads(err.value.body)
    assert body["category"] == "VALIDATION_ERROR" and "amountt" in body["message"]


def test_unknown_names_in_properties_are_left_out_as_on_hubspot(http: httpx.Client) -> None:
    r = http.post(SEARCH, json={"properties": ["dealname", "no_such_thing"], "limit": 1})
    assert r.status_code == 200
    assert "no_such_thing" not in r.json()["results"][0]["properties"]


def test_every_answer_is_one_a_store_scan_gives(
    http: httpx.Client, hs: HubSpotSandboxHandle
) -> None:
    """A BETWEEN on creation dates, given as JSON numbers, answers what the data says."""
    deals = hs.app.records("deals")
    stamps = sorted(epoch_ms(r.created) for r in deals)
    low, high = stamps[5], stamps[-5]

    def created_between(r: HsRecord) -> bool:
        return low <= epoch_ms(r.created) <= high

    body = {
        "filters": [
            {"propertyName": "createdate", "operator": "BETWEEN", "value": low, "highValue": high}
        ],
        "limit": 200,
    }
    got = {int(r["id"]) for r in http.post(SEARCH, json=body).json()["results"]}
    assert got == {r.id for r in deals if created_between(r)}
