"""The sandbox org's objects: standard sales and CPQ-lite objects plus channelsync's custom fields."""

from __future__ import annotations

from crm_sandbox.salesforce.objects_commerce import RO, commerce_objects
from crm_sandbox.salesforce.objects_commerce import channelsync_id as _channelsync_id
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
STATEMENT_STATES = ("Open", "Approved", "Paid")
CLOSED_STAGES = {"Closed Won": True, "Closed Lost": False}


def _quote_summary() -> list[FieldDef]:
    """What channelsync writes back on a deal: its quote's number, status, total, approval state,
    document link, and a note (e.g. why no quote could be made)."""
    return [
        f("Channelsync_Quote_Number__c", "string", label="Quote Number", length=80),
        f("Channelsync_Quote_Status__c", "string", label="Quote Status", length=40),
        f("Channelsync_Quote_Total__c", "currency", label="Quote Total"),
        f("Channelsync_Approval_State__c", "string", label="Approval State", length=40),
        f("Channelsync_Quote_Url__c", "url", label="Quote Document"),
        f("Channelsync_Sync_Note__c", "textarea", label="Sync Note", length=1000),
    ]


def _statement_summary() -> list[FieldDef]:
    """What channelsync writes on a partner account: its latest commission statement (period and
    its state, currency, accrued, clawed back, total) and the year-to-date total."""
    return [
        f("Channelsync_Statement_Period__c", "string", label="Statement Period", length=7),
        f(
            "Channelsync_Statement_Status__c",
            "picklist",
            label="Statement Status",
            picklist=STATEMENT_STATES,
        ),
        f("Channelsync_Statement_Currency__c", "string", label="Statement Currency", length=3),
        f("Channelsync_Statement_Accrued__c", "currency", label="Statement Accrued"),
        f("Channelsync_Statement_Clawed_Back__c", "currency", label="Statement Clawed Back"),
        f("Channelsync_Statement_Total__c", "currency", label="Statement Total"),
        f("Channelsync_Commission_YTD__c", "currency", label="Commission Year to Date"),
    ]


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
                *_statement_summary(),
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
                *_quote_summary(),
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
        *commerce_objects(),
    ]
    return {o.name: o for o in objs}
