"""The sandbox org's objects: standard sales and CPQ-lite objects plus channelsync's custom fields."""

from __future__ import annotations

from crm_sandbox.salesforce.schema import FieldDef, ObjectDef, f

STAGES = (
    "Prospecting",
    "Qualification",
    "Needs Analysis",
    "Value Proposition",
    "Proposal/Price Quote",
    "Negotiation/Review",
    "Closed Won",
    "Closed Lost",
)
TIERS = ("Platinum", "Gold", "Silver", "Registered")
REGISTRATION_STATUSES = ("Pending", "Approved", "Rejected", "Expired")
CHANNEL_ROLES = ("Buyer", "Approver", "Admin")
CLOSED_STAGES = {"Closed Won": True, "Closed Lost": False}
RO = {"createable": False, "updateable": False}
EXT = {"external_id": True, "unique": True}


def _channelsync_id() -> FieldDef:
    return f("Channelsync_Id__c", "string", label="Channelsync Id", **EXT)


def build_objects() -> dict[str, ObjectDef]:
    """Every object the sandbox serves, by API name."""
    objs = [
        ObjectDef(
            "Account",
            "001",
            "Account",
            "Accounts",
            [
                f("Name", "string", label="Account Name", required=True),
                f("Type", "picklist", picklist=("Customer", "Partner", "Prospect", "Other")),
                f("ParentId", "reference", reference_to=("Account",)),
                f("IsPartner", "boolean", label="Partner Account"),
                f("Website", "url"),
                f("Phone", "phone"),
                f("Industry", "picklist", picklist=("Technology", "Finance", "Retail", "Other")),
                f("BillingCity", "string"),
                f("BillingCountry", "string"),
                f("Description", "textarea", length=32000),
                f("Partner_Type__c", "picklist", picklist=("Reseller", "Distributor")),
                f("Partner_Tier__c", "picklist", picklist=TIERS),
                _channelsync_id(),
            ],
        ),
        ObjectDef(
            "Contact",
            "003",
            "Contact",
            "Contacts",
            [
                f("AccountId", "reference", reference_to=("Account",)),
                f("FirstName", "string", length=40),
                f("LastName", "string", required=True, length=80),
                f("Name", "string", label="Full Name", **RO),
                f("Email", "email"),
                f("Phone", "phone"),
                f("Title", "string"),
                f("Description", "textarea", label="Contact Description", length=32000),
                f("Channel_Role__c", "picklist", label="Channel Role", picklist=CHANNEL_ROLES),
                _channelsync_id(),
            ],
        ),
        ObjectDef(
            "Opportunity",
            "006",
            "Opportunity",
            "Opportunities",
            [
                f("Name", "string", required=True, length=120),
                f("AccountId", "reference", reference_to=("Account",)),
                f("PartnerAccountId", "reference", reference_to=("Account",)),
                f("StageName", "picklist", label="Stage", required=True, picklist=STAGES),
                f("CloseDate", "date", required=True),
                f("Amount", "currency"),
                f("Probability", "percent", scale=0, precision=3),
                f("Type", "picklist", picklist=("New Business", "Existing Business")),
                f("LeadSource", "picklist", picklist=("Partner Referral", "Web", "Other")),
                f("Description", "textarea", length=32000),
                f("IsClosed", "boolean", label="Closed", **RO),
                f("IsWon", "boolean", label="Won", **RO),
                f("Pricebook2Id", "reference", reference_to=("Pricebook2",)),
                f("Deal_Registration__c", "boolean", label="Deal Registration"),
                f("Registration_Status__c", "picklist", picklist=REGISTRATION_STATUSES),
                f(
                    "Registration_Discount__c",
                    "percent",
                    label="Registration Discount",
                    precision=5,
                    scale=2,
                ),
                f("Registration_Expires_On__c", "date", label="Registration Expires On"),
                f("Registration_Scope__c", "textarea", label="Registration Scope"),
                f("Quote_Requested__c", "boolean", label="Quote Requested"),
                _channelsync_id(),
            ],
        ),
        ObjectDef(
            "Product2",
            "01t",
            "Product",
            "Products",
            [
                f("Name", "string", label="Product Name", required=True),
                f("ProductCode", "string", label="Product Code"),
                f("Family", "picklist", picklist=("Platform", "Security", "Analytics", "Support")),
                f("IsActive", "boolean", label="Active"),
                f("Description", "textarea", length=4000),
                f("Is_Subscription__c", "boolean", label="Subscription"),
                _channelsync_id(),
            ],
        ),
        ObjectDef(
            "Pricebook2",
            "01s",
            "Price Book",
            "Price Books",
            [
                f("Name", "string", label="Price Book Name", required=True),
                f("IsActive", "boolean", label="Active"),
                f("IsStandard", "boolean", label="Is Standard Price Book", **RO),
                f("Description", "string"),
            ],
        ),
        ObjectDef(
            "PricebookEntry",
            "01u",
            "Price Book Entry",
            "Price Book Entries",
            [
                f("Pricebook2Id", "reference", required=True, reference_to=("Pricebook2",)),
                f("Product2Id", "reference", required=True, reference_to=("Product2",)),
                f("UnitPrice", "currency", label="List Price", required=True),
                f("IsActive", "boolean", label="Active"),
                f("UseStandardPrice", "boolean"),
                f("Name", "string", **RO),
                f("ProductCode", "string", **RO),
            ],
        ),
        ObjectDef(
            "OpportunityLineItem",
            "00k",
            "Opportunity Product",
            "Opportunity Product",
            [
                f("OpportunityId", "reference", required=True, reference_to=("Opportunity",)),
                f("PricebookEntryId", "reference", reference_to=("PricebookEntry",)),
                f("Product2Id", "reference", reference_to=("Product2",)),
                f("Quantity", "double", required=True),
                f("UnitPrice", "currency", label="Sales Price"),
                f("ListPrice", "currency", **RO),
                f("TotalPrice", "currency"),
                f("Discount", "percent"),
                f("Description", "string", label="Line Description"),
                f("SortOrder", "int", label="Sort Order", **RO),  # set in the UI only
                f("Name", "string", **RO),
                f("ProductCode", "string", **RO),
            ],
        ),
        ObjectDef(
            "Quote",
            "0Q0",
            "Quote",
            "Quotes",
            [
                f("Name", "string", label="Quote Name", required=True),
                f("OpportunityId", "reference", required=True, reference_to=("Opportunity",)),
                f("AccountId", "reference", reference_to=("Account",), **RO),
                f("Pricebook2Id", "reference", reference_to=("Pricebook2",)),
                f(
                    "Status",
                    "picklist",
                    picklist=(
                        "Draft",
                        "Needs Review",
                        "In Review",
                        "Approved",
                        "Rejected",
                        "Presented",
                        "Accepted",
                        "Denied",
                    ),
                ),
                f("ExpirationDate", "date"),
                f("QuoteNumber", "string", **RO),
                f("Subtotal", "currency", **RO),
                f("GrandTotal", "currency", **RO),
                f("Discount", "percent"),
                f("Description", "textarea", length=32000),
                f("IsSyncing", "boolean", **RO),
                _channelsync_id(),
            ],
        ),
        ObjectDef(
            "QuoteLineItem",
            "0QL",
            "Quote Line Item",
            "Quote Line Items",
            [
                f("QuoteId", "reference", required=True, reference_to=("Quote",)),
                f("PricebookEntryId", "reference", required=True, reference_to=("PricebookEntry",)),
                f("Product2Id", "reference", reference_to=("Product2",)),
                f("Quantity", "double", required=True),
                f("UnitPrice", "currency", label="Sales Price", required=True),
                f("Discount", "percent"),
                f("TotalPrice", "currency", **RO),
                f("Description", "string"),
                _channelsync_id(),
            ],
        ),
        ObjectDef(
            "Order",
            "801",
            "Order",
            "Orders",
            [
                f("AccountId", "reference", required=True, reference_to=("Account",)),
                f("OpportunityId", "reference", reference_to=("Opportunity",)),
                f("QuoteId", "reference", reference_to=("Quote",)),
                f("Pricebook2Id", "reference", reference_to=("Pricebook2",)),
                f("EffectiveDate", "date", label="Order Start Date", required=True),
                f("Status", "picklist", required=True, picklist=("Draft", "Activated")),
                f("Name", "string", label="Order Name"),
                f("PoNumber", "string", label="PO Number"),
                f("OrderNumber", "string", **RO),
                f("TotalAmount", "currency", **RO),
                f("Description", "textarea", length=32000),
                _channelsync_id(),
            ],
        ),
        ObjectDef(
            "OrderItem",
            "802",
            "Order Product",
            "Order Products",
            [
                f("OrderId", "reference", required=True, reference_to=("Order",)),
                f("PricebookEntryId", "reference", required=True, reference_to=("PricebookEntry",)),
                f("Product2Id", "reference", reference_to=("Product2",)),
                f("Quantity", "double", required=True),
                f("UnitPrice", "currency", required=True),
                f("TotalPrice", "currency", **RO),
                f("Description", "string"),
                _channelsync_id(),
            ],
        ),
        ObjectDef(
            "Partner",
            "00I",
            "Partner",
            "Partners",
            [
                f("AccountFromId", "reference", reference_to=("Account",)),
                f("AccountToId", "reference", required=True, reference_to=("Account",)),
                f("OpportunityId", "reference", reference_to=("Opportunity",)),
                f("Role", "picklist", picklist=("VAR/Reseller", "Distributor", "Consultant")),
                f("IsPrimary", "boolean", label="Primary"),
            ],
        ),
    ]
    return {o.name: o for o in objs}
