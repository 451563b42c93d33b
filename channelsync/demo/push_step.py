"""Demo: the push-back through ``push_job``, and what the CRMs show afterwards, read back through
their own clients (the deal's quote number, the order and its status)."""

from __future__ import annotations

from decimal import Decimal

from hubspot import HubSpot
from simple_salesforce.format import format_soql

from channelsync.demo.crm import SALESFORCE, DemoCrms
from channelsync.demo.orchestra import Orchestra

#: The CRM fields the push writes (mappings/*.yaml, ``push:``): the deal's quote number, the
#: order's status, the total of the partner account's latest commission statement.
DEAL_QUOTE = {"salesforce": "Channelsync_Quote_Number__c", "hubspot": "channelsync_quote_number"}
STATEMENT_TOTAL = {
    "salesforce": "Channelsync_Statement_Total__c",
    "hubspot": "channelsync_statement_total",
}


def push(orchestra: Orchestra) -> dict[str, int]:
    """Run ``push_job``; per connection, the events it delivered."""
    result = orchestra.run("push_job")
    delivered: dict[str, int] = {}
    for event in result.get_asset_materialization_events():
        mat = event.materialization
        topics = mat.metadata["topics"].value
        assert isinstance(topics, dict)
        count = sum(int(t.get("delivered", 0)) for t in topics.values())
        delivered[mat.asset_key.path[-1]] = count
    return delivered


def deal_quote_on_crm(crms: DemoCrms, connection: str, deal_id: str) -> str:
    """The quote number the CRM's deal shows (pushed back by the core)."""
    if connection == SALESFORCE:
        return str(crms.sf.client().Opportunity.get(deal_id)[DEAL_QUOTE[connection]] or "")
    hubspot = HubSpot(access_token=crms.hs.access_token, host=crms.hs.base_url)
    deal = hubspot.crm.deals.basic_api.get_by_id(deal_id, properties=[DEAL_QUOTE[connection]])
    return str(deal.properties.get(DEAL_QUOTE[connection]) or "")


def order_on_crm(crms: DemoCrms, connection: str, number: str) -> str:
    """The status the CRM shows for order ``number`` ("" when it has none)."""
    if connection == SALESFORCE:
        soql = format_soql("SELECT Status FROM Order WHERE Name = {}", number)
        found = crms.sf.client().query(soql)
        return str(found["records"][0]["Status"]) if found["records"] else ""
    hubspot = HubSpot(access_token=crms.hs.access_token, host=crms.hs.base_url)
    page = hubspot.crm.objects.basic_api.get_page(
        "orders", limit=100, properties=["hs_order_name", "channelsync_status"]
    )
    for order in page.results:
        if order.properties.get("hs_order_name") == number:
            return str(order.properties.get("channelsync_status") or "")
    return ""


def statement_on_crm(crms: DemoCrms, connection: str, account_id: str) -> str:
    """The commission statement total the CRM's partner account shows, to the cent ("" when
    none; Salesforce sends a JSON number, HubSpot a string)."""
    field = STATEMENT_TOTAL[connection]
    if connection == SALESFORCE:
        value = crms.sf.client().Account.get(account_id).get(field)
    else:
        hubspot = HubSpot(access_token=crms.hs.access_token, host=crms.hs.base_url)
        company = hubspot.crm.companies.basic_api.get_by_id(account_id, properties=[field])
        value = company.properties.get(field)
    return "" if value in (None, "") else str(Decimal(str(value)).quantize(Decimal("0.01")))
