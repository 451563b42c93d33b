"""Map the neutral seed world onto Salesforce objects (accounts, contacts, catalog, opportunities).

Accounts carry Phone and BillingCity; partner accounts their type and tier; contacts their
Description and, for partner people with a channel role, Channel_Role__c; registrations their
status, discount, expiry and scope; line items their discount, description and SortOrder
(1 for the first line, as if a user had sorted them: the API cannot write it).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from crm_sandbox.common import seed
from crm_sandbox.salesforce.store import Store


def load_seed(
    store: Store, *, seed: int, records: int, now: datetime | None = None
) -> dict[str, int]:
    """Insert the seed world with its past stamps; returns the record count per object."""
    world = _generate(seed, records, now)
    first_stamp = min(p.modified for p in world.products)
    book = store.insert(
        "Pricebook2",
        {"Name": "Standard Price Book", "IsActive": True, "IsStandard": True},
        stamp=first_stamp,
    )
    entries: dict[str, str] = {}
    for p in world.products:
        product = store.insert(
            "Product2",
            {
                "Name": p.name,
                "ProductCode": p.sku,
                "Family": p.family,
                "IsActive": True,
                "Is_Subscription__c": p.subscription,
                "Description": p.description,
            },
            stamp=p.modified,
        )
        entry = store.insert(
            "PricebookEntry",
            {
                "Pricebook2Id": book["Id"],
                "Product2Id": product["Id"],
                "UnitPrice": p.list_price,
                "IsActive": True,
            },
            stamp=p.modified,
        )
        entries[p.sku] = str(entry["Id"])
    accounts: dict[str, str] = {}
    kinds: dict[str, str] = {}
    for c in world.companies:
        partner = c.kind != "customer"
        acc = store.insert(
            "Account",
            {
                "Name": c.name,
                "Type": "Partner" if partner else "Customer",
                "IsPartner": partner,
                "Website": f"https://{c.domain}",
                "Phone": c.phone,
                "BillingCity": c.city,
                "BillingCountry": c.country,
                "Partner_Type__c": c.kind.capitalize() if partner else None,
                "Partner_Tier__c": c.tier,
                "Description": c.description,
            },
            stamp=c.modified,
        )
        accounts[c.key] = str(acc["Id"])
        kinds[c.key] = c.kind
    for k in world.contacts:
        store.insert(
            "Contact",
            {
                "AccountId": accounts[k.company_key],
                "FirstName": k.first_name,
                "LastName": k.last_name,
                "Email": k.email,
                "Description": k.description,
                "Channel_Role__c": k.channel_role,
            },
            stamp=k.modified,
        )
    for n, d in enumerate(world.deals):
        # Deals were opened some days before their last change.
        opened = d.modified - timedelta(days=n % 45, hours=n % 7)
        partner_id = accounts[d.partner_key] if d.partner_key else None
        reg = d.registration
        opp = store.insert(
            "Opportunity",
            {
                "Name": d.name,
                "AccountId": accounts[d.customer_key],
                "PartnerAccountId": partner_id,
                "StageName": d.stage,
                "CloseDate": d.close_date,
                "Amount": d.amount,
                "Pricebook2Id": book["Id"],
                "LeadSource": "Partner Referral" if partner_id else "Web",
                "Deal_Registration__c": d.is_registration,
                "Registration_Status__c": reg.status if reg else None,
                "Registration_Discount__c": reg.discount_percent if reg else None,
                "Registration_Expires_On__c": reg.expires_on if reg else None,
                "Registration_Scope__c": reg.scope if reg else None,
                "Quote_Requested__c": d.quote_requested,
                "Description": d.description,
            },
            stamp=d.modified,
            created=opened,
        )
        for line in d.lines:
            store.insert(
                "OpportunityLineItem",
                {
                    "OpportunityId": opp["Id"],
                    "PricebookEntryId": entries[line.sku],
                    "Quantity": line.quantity,
                    "UnitPrice": line.unit_price,
                    "Discount": line.discount_percent,
                    "Description": line.description,
                    "SortOrder": line.position,
                },
                stamp=d.modified,
            )
        if d.partner_key and partner_id:
            store.insert(
                "Partner",
                {
                    "AccountFromId": accounts[d.customer_key],
                    "AccountToId": partner_id,
                    "OpportunityId": opp["Id"],
                    "Role": "Distributor"
                    if kinds[d.partner_key] == "distributor"
                    else "VAR/Reseller",
                    "IsPrimary": True,
                },
                stamp=d.modified,
            )
    return {name: len(rows) for name, rows in store.records.items()}


def _generate(seed_value: int, records: int, now: datetime | None) -> seed.SeedWorld:
    return seed.generate(seed_value, records, now)
