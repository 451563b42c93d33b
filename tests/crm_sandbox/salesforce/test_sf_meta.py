"""Discovery and budgets: global sObjects list, describe of each object, limits/ and Sforce-Limit-Info."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
import requests
from simple_salesforce.exceptions import SalesforceRefusedRequest

from crm_sandbox.salesforce.app import ENTERPRISE_DAILY_API_REQUESTS
from crm_sandbox.salesforce.testing import SalesforceSandboxHandle
from tests.crm_sandbox.salesforce.oracle import content

PREFIXES = {
    "Account": "001",
    "Contact": "003",
    "Opportunity": "006",
    "OpportunityLineItem": "00k",
    "Product2": "01t",
    "Pricebook2": "01s",
    "PricebookEntry": "01u",
    "Quote": "0Q0",
    "QuoteLineItem": "0QL",
    "Order": "801",
    "OrderItem": "802",
    "OrderStatus": "0Os",
    "Partner": "00I",
    "AccountContactRelation": "07k",
}


def test_every_listed_object_answers_describe(sf: Any) -> None:
    listed = sf.describe()
    assert listed["encoding"] == "UTF-8" and listed["maxBatchSize"] == 200
    names = {o["name"]: o for o in listed["sobjects"]}
    assert {n: o["keyPrefix"] for n, o in names.items()} == PREFIXES
    for name, summary in names.items():
        described = getattr(sf, name).describe()
        assert described["name"] == name
        assert summary["urls"]["describe"] == f"/services/data/v59.0/sobjects/{name}/describe"
        fields = {f["name"]: f for f in described["fields"]}
        assert {"Id", "IsDeleted", "SystemModstamp", "LastModifiedDate", "CreatedDate"} <= set(
            fields
        )
        for f in described["fields"]:
            for target in f["referenceTo"]:
                assert target in names, f"{name}.{f['name']} points at undescribed {target}"


def test_describe_declares_custom_and_external_id_fields(sf: Any) -> None:
    opp = {f["name"]: f for f in sf.Opportunity.describe()["fields"]}
    assert opp["PartnerAccountId"]["referenceTo"] == ["Account"]
    assert opp["PartnerAccountId"]["relationshipName"] == "PartnerAccount"
    assert (
        opp["Deal_Registration__c"]["custom"] is True
        and opp["Deal_Registration__c"]["type"] == "boolean"
    )
    assert [p["value"] for p in opp["Registration_Status__c"]["picklistValues"]] == [
        "Pending",
        "Approved",
        "Rejected",
        "Expired",
    ]
    assert opp["Name"]["nillable"] is False and opp["Name"]["createable"] is True
    assert opp["SystemModstamp"]["createable"] is False
    for name in ("Quote", "Order", "Account"):
        fields = {f["name"]: f for f in getattr(sf, name).describe()["fields"]}
        assert fields["Channelsync_Id__c"]["externalId"] is True
        assert fields["Channelsync_Id__c"]["idLookup"] is True
    product = {f["name"]: f for f in sf.Product2.describe()["fields"]}
    assert product["ProductCode"]["type"] == "string"
    assert sf.Account.metadata()["objectDescribe"]["keyPrefix"] == "001"


def test_describe_declares_the_channel_fields_the_mappings_read(sf: Any) -> None:
    def fields(sobject: str) -> dict[str, dict[str, Any]]:
        return {f["name"]: f for f in getattr(sf, sobject).describe()["fields"]}

    def values(field: dict[str, Any]) -> list[str]:
        assert field["type"] == "picklist" and field["soapType"] == "xsd:string"
        return [p["value"] for p in field["picklistValues"]]

    account, contact, opp, line = (
        fields(n) for n in ("Account", "Contact", "Opportunity", "OpportunityLineItem")
    )
    assert values(account["Partner_Tier__c"]) == ["Platinum", "Gold", "Silver", "Registered"]
    assert (account["Phone"]["type"], account["BillingCity"]["type"]) == ("phone", "string")
    role = contact["Channel_Role__c"]
    assert values(role) == ["Buyer", "Approver", "Admin"] and role["custom"] and role["nillable"]
    assert (contact["Description"]["type"], contact["Description"]["length"]) == ("textarea", 32000)
    discount = opp["Registration_Discount__c"]
    assert (discount["type"], discount["soapType"]) == ("percent", "xsd:double")
    assert (discount["precision"], discount["scale"], discount["custom"]) == (5, 2, True)
    expires = opp["Registration_Expires_On__c"]
    assert (expires["type"], expires["soapType"], expires["length"]) == ("date", "xsd:date", 0)
    assert (opp["Registration_Scope__c"]["type"], opp["Registration_Scope__c"]["length"]) == (
        "textarea",
        255,
    )
    sort = line["SortOrder"]
    assert (sort["type"], sort["soapType"], sort["digits"]) == ("int", "xsd:int", 9)
    assert (sort["precision"], sort["scale"]) == (0, 0)
    assert sort["createable"] is False and sort["updateable"] is False and sort["nillable"]
    assert (line["Discount"]["type"], line["Description"]["label"]) == (
        "percent",
        "Line Description",
    )


def test_limits_resource(sf: Any, sf_sandbox: SalesforceSandboxHandle) -> None:
    limits = sf.limits()
    assert limits["DailyApiRequests"]["Max"] == ENTERPRISE_DAILY_API_REQUESTS
    assert (
        limits["DailyApiRequests"]["Remaining"]
        == ENTERPRISE_DAILY_API_REQUESTS - sf_sandbox.app.api_used
    )
    assert {"DailyBulkV2QueryJobs", "DataStorageMB"} <= set(limits)


def test_every_response_carries_the_limit_header(
    http: httpx.Client, sf_sandbox: SalesforceSandboxHandle
) -> None:
    responses = [
        http.get("/limits/"),
        http.get("/query/", params={"q": "SELECT Id FROM Account LIMIT 1"}),
        http.get("/query/", params={"q": "SELECT FROM"}),
        http.get("/sobjects/Account/0015g0000000000AAA"),
        http.get("/no/such/thing"),
        http.get("/limits/", headers={"Authorization": "Bearer nope"}),
    ]
    used = []
    for response in responses:
        m = re.fullmatch(r"api-usage=(\d+)/(\d+)", response.headers["Sforce-Limit-Info"])
        assert m is not None and int(m.group(2)) == ENTERPRISE_DAILY_API_REQUESTS
        used.append(int(m.group(1)))
    assert used == sorted(used) and used[-1] == used[0] + len(responses) - 1


def test_simple_salesforce_reads_api_usage(sf: Any, sf_sandbox: SalesforceSandboxHandle) -> None:
    sf.query("SELECT Id FROM Account LIMIT 1")
    usage = sf.api_usage["api-usage"]
    assert usage.total == ENTERPRISE_DAILY_API_REQUESTS
    assert usage.used == sf_sandbox.app.api_used


def test_exhausted_daily_budget_is_403_request_limit_exceeded(
    sf: Any, sf_sandbox: SalesforceSandboxHandle
) -> None:
    app = sf_sandbox.app
    saved = (app.api_used, app.daily_api_max)
    app.admin_api.set_api_usage(49, maximum=50)
    try:
        sf.query("SELECT Id FROM Account LIMIT 1")  # call 50 of 50 is still answered
        with pytest.raises(SalesforceRefusedRequest) as exc:
            sf.query("SELECT Id FROM Account LIMIT 1")
    finally:
        app.admin_api.set_api_usage(*saved)
    assert content(exc.value) == [
        {"message": "TotalRequests Limit exceeded.", "errorCode": "REQUEST_LIMIT_EXCEEDED"}
    ]


def test_versions_list_is_public(sf_sandbox: SalesforceSandboxHandle) -> None:
    session = sf_sandbox.requests_session()
    versions = session.get(f"{sf_sandbox.base_url}/services/data/").json()
    assert {"label": "Winter '24", "url": "/services/data/v59.0", "version": "59.0"} in versions
    assert isinstance(session, requests.Session)
