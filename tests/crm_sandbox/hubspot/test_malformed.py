"""A table of malformed or unsupported requests: each gets HubSpot's error shape, never a 200
that answers a different question and never a 500."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from crm_sandbox.hubspot import HubSpotSandboxHandle

JSON = {"content-type": "application/json"}


@dataclass(frozen=True)
class Case:
    """One request and the error it must get."""

    name: str
    method: str
    path: str
    status: int
    fragment: str
    json_body: Any = None
    content: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)
    category: str = "VALIDATION_ERROR"


def _search(name: str, body: Any, fragment: str, status: int = 400) -> Case:
    return Case(name, "POST", "/crm/v3/objects/deals/search", status, fragment, json_body=body)


def _flt(**f: Any) -> dict[str, Any]:
    return {"filterGroups": [{"filters": [f]}]}


F_AMOUNT = {"propertyName": "amount", "operator": "GT", "value": "1"}
UNKNOWN = 'Unrecognized field "{}"'

CASES = [
    # unknown search keys
    _search("search: filter", {"filter": [F_AMOUNT]}, UNKNOWN.format("filter")),
    _search("search: sort", {"sort": "amount"}, UNKNOWN.format("sort")),
    _search("search: offset", {"offset": 10}, UNKNOWN.format("offset")),
    _search("search: history", {"propertiesWithHistory": ["amount"]}, "propertiesWithHistory"),
    _search("search: group key", {"filterGroups": [{"filter": [F_AMOUNT]}]}, UNKNOWN.format("filter")),
    _search("search: filter key", _flt(**F_AMOUNT, op="x"), UNKNOWN.format("op")),
    # unknown operators
    _search("op: ABOUT", _flt(propertyName="amount", operator="ABOUT", value="1"), '"ABOUT"'),
    _search("op: lower case", _flt(propertyName="amount", operator="gte", value="1"), '"gte"'),
    _search("op: missing", _flt(propertyName="amount", value="1"), "not set [operator]"),
    _search("op: no property", _flt(operator="EQ", value="1"), "not set [propertyName]"),
    _search("op: IN without values", _flt(propertyName="amount", operator="IN", value="1"),
            "operator IN requires values"),
    _search("op: IN empty", _flt(propertyName="amount", operator="IN", values=[]),
            "operator IN requires values"),
    _search("op: EQ with values", _flt(propertyName="amount", operator="EQ", value="1", values=["1"]),
            "operator EQ does not take values"),
    _search("op: BETWEEN no high", _flt(propertyName="amount", operator="BETWEEN", value="1"),
            "operator BETWEEN requires highValue"),
    _search("op: HAS_PROPERTY value", _flt(propertyName="amount", operator="HAS_PROPERTY", value="1"),
            "operator HAS_PROPERTY does not take value"),
    _search("op: EQ no value", _flt(propertyName="amount", operator="EQ"), "operator EQ requires value"),
    _search("op: on association", _flt(propertyName="associations.company", operator="GT", value="1"),
            "GT is not supported on associations.company"),
    # properties that do not exist
    _search("prop: unknown", _flt(propertyName="amountt", operator="EQ", value="1"),
            'Property "amountt" does not exist'),
    _search("prop: top-level", {"filters": [{"propertyName": "x", "operator": "HAS_PROPERTY"}]},
            'Property "x" does not exist'),
    _search("prop: association type", _flt(propertyName="associations.widget", operator="EQ", value="1"),
            "associations.widget: unknown object type"),
    # bad sort specs
    _search("sort: unknown property", {"sorts": ["-nope"]}, 'Property "nope" does not exist'),
    _search("sort: no property", {"sorts": [{"direction": "DESCENDING"}]}, "not set [propertyName]"),
    _search("sort: direction", {"sorts": [{"propertyName": "amount", "direction": "DOWN"}]}, '"DOWN"'),
    _search("sort: unknown key", {"sorts": [{"propertyName": "amount", "order": "asc"}]},
            UNKNOWN.format("order")),
    _search("sort: number", {"sorts": [42]}, "Cannot deserialize value of type `Sort`"),
    _search("sort: not a list", {"sorts": "amount"}, "from String value"),
    # bad value types
    _search("value: array", _flt(propertyName="amount", operator="EQ", value=[1]), "from Array value"),
    _search("value: object", _flt(propertyName="amount", operator="EQ", value={"a": 1}),
            "from Object value"),
    _search("values: string", _flt(propertyName="amount", operator="IN", values="1"), "from String value"),
    _search("value: not a number", _flt(propertyName="amount", operator="GT", value="lots"),
            "'lots' is not a valid number for property amount"),
    _search("value: not a date", _flt(propertyName="closedate", operator="GT", value="yesterday"),
            "'yesterday' is not a valid datetime"),
    _search("value: not a bool", _flt(propertyName="quote_requested", operator="EQ", value="yes"),
            "'yes' is not a valid bool"),
    _search("limit: text", {"limit": "ten"}, "not a valid integer"),
    _search("limit: 201", {"limit": 201}, "between 0 and 200"),
    _search("limit: negative", {"limit": -1}, "between 0 and 200"),
    _search("after: text", {"after": "abc"}, "not a paging cursor"),
    _search("after: negative", {"after": -10}, "not a paging cursor"),
    _search("query: list", {"query": ["a"]}, "from Array value"),
    _search("query: too long", {"query": "x" * 3001}, "at most 3000 characters"),
    _search("properties: string", {"properties": "amount"}, "from String value"),
    # HubSpot's search limits
    _search("limit: groups", {"filterGroups": [{"filters": [F_AMOUNT]}] * 6}, "at most 5 filter groups"),
    _search("limit: per group", {"filterGroups": [{"filters": [F_AMOUNT] * 11}]}, "at most 10 filters per group"),
    _search("limit: total", {"filterGroups": [{"filters": [F_AMOUNT] * 6}] * 5}, "at most 25 filters"),
    _search("limit: top-level", {"filters": [F_AMOUNT] * 11}, "at most 10 filters per group"),
    _search("limit: 10k", {"after": "9950", "limit": 100}, "at most 10000 results"),
    _search("group: empty", {"filterGroups": [{"filters": []}]}, "needs at least one filter"),
    _search("group: both forms", {"filters": [F_AMOUNT], "filterGroups": [{"filters": [F_AMOUNT]}]},
            "both given"),
    # bad JSON bodies
    _search("json: array", [F_AMOUNT], "`PublicObjectSearchRequest` from Array value"),
    Case("json: truncated", "POST", "/crm/v3/objects/deals/search", 400,
         "Invalid input JSON on line 1, column 13", content=b'{"limit": 1,', headers=JSON),
    Case("json: second line", "POST", "/crm/v3/objects/deals/search", 400,
         "Invalid input JSON on line 2, column 1", content=b'{"limit": 1,\n}', headers=JSON),
    Case("json: not utf-8", "POST", "/crm/v3/objects/deals/search", 400,
         "Invalid UTF-8 start byte 0xe9", content=b'{"query": "caf\xe9"}', headers=JSON),
    Case("json: NaN", "POST", "/crm/v3/objects/deals/search", 400, "Non-standard token 'NaN'",
         content=b'{"limit": NaN}', headers=JSON),
    Case("json: null", "POST", "/crm/v3/objects/deals/search", 400,
         "`PublicObjectSearchRequest` from Null value", content=b"null", headers=JSON),
    Case("json: empty", "POST", "/crm/v3/objects/deals/search", 400, "No content to map",
         content=b" ", headers=JSON),
    Case("create: properties list", "POST", "/crm/v3/objects/deals", 400, "from Array value",
         json_body={"properties": [["dealname", "x"]]}),
    Case("create: value object", "POST", "/crm/v3/objects/deals", 400, "from Object value",
         json_body={"properties": {"dealname": {"v": 1}}}),
    Case("create: unknown key", "POST", "/crm/v3/objects/deals", 400, UNKNOWN.format("props"),
         json_body={"props": {"dealname": "x"}}),
    Case("create: bad association", "POST", "/crm/v3/objects/deals", 400, "not a valid integer",
         json_body={"properties": {"dealname": "x"}, "associations": [
             {"to": {"id": "1"}, "types": [{"associationCategory": "HUBSPOT_DEFINED",
                                            "associationTypeId": "five"}]}]}),
    Case("create: association not a list", "POST", "/crm/v3/objects/deals", 400,
         "from Object value", json_body={"properties": {"dealname": "x"}, "associations": {}}),
    Case("update: no properties", "PATCH", "/crm/v3/objects/deals/{deal}", 400,
         "not set [properties]", json_body={}),
    Case("gdpr: no objectId", "POST", "/crm/v3/objects/contacts/gdpr-delete", 400,
         "not set [objectId]", json_body={"idProperty": "email"}),
    Case("property: unknown key", "POST", "/crm/v3/properties/deals", 400,
         UNKNOWN.format("kind"), json_body={"name": "x", "kind": "string"}),
    Case("labels: no name", "POST", "/crm/v4/associations/deals/companies/labels", 400,
         "not set [name]", json_body={"label": "X"}),
    # wrong content types
    Case("type: text/plain", "POST", "/crm/v3/objects/deals/search", 415, "Unsupported Media Type",
         content=b"{}", headers={"content-type": "text/plain"}),
    Case("type: form", "POST", "/crm/v3/objects/deals/batch/read", 415, "Unsupported Media Type",
         content=b"inputs=1", headers={"content-type": "application/x-www-form-urlencoded"}),
    Case("type: none", "PATCH", "/crm/v3/objects/deals/{deal}", 415, "Unsupported Media Type",
         content=b'{"properties": {}}'),
    # bad batch inputs
    Case("batch: no inputs", "POST", "/crm/v3/objects/deals/batch/read", 400, "not set [inputs]",
         json_body={"properties": []}),
    Case("batch: inputs object", "POST", "/crm/v3/objects/deals/batch/read", 400,
         "from Object value", json_body={"inputs": {"id": "1"}}),
    Case("batch: input without id", "POST", "/crm/v3/objects/deals/batch/read", 400,
         "Cannot build SimplePublicObjectId, some of required attributes are not set [id]",
         json_body={"inputs": [{}]}),
    Case("batch: input id list", "POST", "/crm/v3/objects/deals/batch/archive", 400,
         "from Array value", json_body={"inputs": [{"id": ["1"]}]}),
    Case("batch: unknown input key", "POST", "/crm/v3/objects/deals/batch/update", 400,
         UNKNOWN.format("values"), json_body={"inputs": [{"id": "1", "values": {}}]}),
    Case("batch: update without properties", "POST", "/crm/v3/objects/deals/batch/update", 400,
         "not set [properties]", json_body={"inputs": [{"id": "{deal}"}]}),
    Case("batch: properties list", "POST", "/crm/v3/objects/deals/batch/create", 400,
         "from Array value", json_body={"inputs": [{"properties": ["x"]}]}),
    Case("batch: too many", "POST", "/crm/v3/objects/deals/batch/read", 400, "at most 100",
         json_body={"inputs": [{"id": str(i)} for i in range(101)], "properties": []}),
    Case("batch: read properties text", "POST", "/crm/v3/objects/deals/batch/read", 400,
         "from String value", json_body={"inputs": [{"id": "1"}], "properties": "dealname"}),
    Case("batch: unknown property", "POST", "/crm/v3/objects/deals/batch/update", 400,
         "Property values were not valid",
         json_body={"inputs": [{"id": "{deal}", "properties": {"nope": "1"}}]}),
    Case("assoc: from text", "POST", "/crm/v4/associations/deals/companies/batch/create", 400,
         "`PublicObjectId` from String value",
         json_body={"inputs": [{"from": "1", "to": {"id": "2"}, "types": []}]}),
    Case("assoc: type id text", "PUT", "/crm/v4/objects/deals/{deal}/associations/companies/{company}",
         400, "not a valid integer",
         json_body=[{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": "x"}]),
    Case("assoc: read without id", "POST", "/crm/v4/associations/deals/companies/batch/read", 400,
         "not set [id]", json_body={"inputs": [{"after": "1"}]}),
    # unknown object types and paths
    Case("type: objects", "GET", "/crm/v3/objects/widgets", 400,
         "Unable to infer object type from: widgets"),
    Case("type: search", "POST", "/crm/v3/objects/widgets/search", 400,
         "Unable to infer object type from: widgets", json_body={}),
    Case("type: properties", "GET", "/crm/v3/properties/widgets", 400,
         "Unable to infer object type from: widgets"),
    Case("type: v2 properties", "GET", "/properties/v2/widgets/properties", 400,
         "Unable to infer object type from: widgets"),
    Case("type: associations", "POST", "/crm/v4/associations/widgets/deals/batch/read", 400,
         "Unable to infer object type from: widgets", json_body={"inputs": []}),
    Case("type: labels", "GET", "/crm/associations/v4/widgets/deals/labels", 400,
         "Unable to infer object type from: widgets"),
    Case("type: no records kept", "GET", "/crm/v3/objects/tickets", 404, "No route",
         category="OBJECT_NOT_FOUND"),
    Case("path: v1 contacts", "GET", "/contacts/v1/lists/all/contacts/all", 404, "No route",
         category="OBJECT_NOT_FOUND"),
    Case("path: v2 groups", "GET", "/properties/v2/deals/groups", 404, "No route",
         category="OBJECT_NOT_FOUND"),
    Case("method: PUT list", "PUT", "/crm/v3/objects/deals", 405, "not supported", json_body={}),
]  # fmt: skip


def _ids(hs: HubSpotSandboxHandle) -> dict[str, str]:
    return {"deal": str(hs.app.seed_id("D000001")), "company": str(hs.app.seed_id("C00001"))}


def _fill(value: Any, ids: dict[str, str]) -> Any:
    if isinstance(value, str):
        return value.format(**ids) if "{" in value and "}" in value else value
    if isinstance(value, list):
        return [_fill(v, ids) for v in value]
    if isinstance(value, dict):
        return {k: _fill(v, ids) for k, v in value.items()}
    return value


def _counts(hs: HubSpotSandboxHandle) -> dict[str, int]:
    return {t: len(hs.app.records(t)) for t in ("deals", "companies", "contacts")}


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_malformed_request_gets_hubspots_error(
    case: Case, hs: HubSpotSandboxHandle, http: httpx.Client
) -> None:
    ids = _ids(hs)
    before = _counts(hs)
    kwargs: dict[str, Any] = {"headers": case.headers}
    if case.json_body is not None:
        kwargs["json"] = _fill(case.json_body, ids)
    elif case.content is not None:
        kwargs["content"] = case.content
    r = http.request(case.method, case.path.format(**ids), **kwargs)
    assert r.status_code == case.status, r.text
    assert r.headers["content-type"].startswith("application/json")
    err = r.json()
    assert err["status"] == "error"
    assert err["category"] == case.category
    assert case.fragment in err["message"], err["message"]
    assert uuid.UUID(err["correlationId"])
    assert r.headers["X-HubSpot-Correlation-Id"]
    assert _counts(hs) == before  # nothing was written
