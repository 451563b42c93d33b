"""The sandbox org's quote, order and relationship objects, and the channelsync fields they share.

Quote and order objects carry the ``Channelsync_Id__c`` external id the push upserts by. Order
``Status`` is a restricted picklist (as on a real org, where each value belongs to a status
category) holding the standard ``Draft`` / ``Activated`` and one value per channelsync order
status; the read-only ``StatusCode`` is the category (``Activated`` for the statuses the org's
admin put there: ``Activated`` unless the admin API says otherwise, else ``Draft``). The
read-only ``OrderStatus`` object lists those values with their category (``StatusCode``), in
picklist order (``SortOrder``): the store keeps one record per value, following the admin API.
``Partner`` and ``AccountContactRelation`` are junction objects without an external id.
"""

from __future__ import annotations

from crm_sandbox.salesforce.schema import FieldDef, ObjectDef, f

RO = {"createable": False, "updateable": False}
EXT = {"external_id": True, "unique": True}
QUOTE_STATUSES = (
    "Draft",
    "Needs Review",
    "In Review",
    "Approved",
    "Rejected",
    "Presented",
    "Accepted",
    "Denied",
)
#: Order statuses: Salesforce's two standard values, then one per channelsync order status
#: (``order_core.orders.states.OrderStatus``), labelled as an admin would set them up.
ORDER_STATUSES = (
    "Draft",
    "Activated",
    "Pending Approval",
    "Credit Review",
    "Submitted",
    "Accepted",
    "Fulfilled",
    "Invoiced",
    "Paid",
    "On Hold",
    "Cancelled",
    "Partially Refunded",
)
#: Order statuses in the ``Activated`` category until the admin API sets others.
ACTIVATED_STATUSES = frozenset({"Activated"})
PARTNER_ROLES = ("VAR/Reseller", "Distributor", "Consultant")
CONTACT_ROLES = ("Buyer", "Approver", "Decision Maker", "Technical Buyer", "Other")


def channelsync_id() -> FieldDef:
    """The ``Channelsync_Id__c`` external id (unique, case-insensitive) upserts use."""
    return f("Channelsync_Id__c", "string", label="Channelsync Id", **EXT)


def _line(parent: str, parent_field: str, entry_required: bool) -> list[FieldDef]:
    return [
        f(parent_field, "reference", required=True, reference_to=(parent,)),
        f(
            "PricebookEntryId",
            "reference",
            required=entry_required,
            reference_to=("PricebookEntry",),
        ),
        f("Product2Id", "reference", reference_to=("Product2",)),
        f("Quantity", "double", required=True),
    ]


def order_status_object() -> ObjectDef:
    """``OrderStatus``: one record per Order ``Status`` value; only queried and retrieved."""
    return ObjectDef(
        "OrderStatus",
        "0Os",
        "Order Status Value",
        "Order Status Values",
        [
            f("ApiName", "string", label="API Name", **RO),
            f("MasterLabel", "string", label="Master Label", **RO),
            f("StatusCode", "picklist", label="Status Code", picklist=("Draft", "Activated"), **RO),
            f("SortOrder", "int", label="Sort Order", **RO),
            f("IsDefault", "boolean", label="Is Default", **RO),
        ],
        read_only=True,
    )


def commerce_objects() -> list[ObjectDef]:
    """Quote, QuoteLineItem, Order, OrderItem, OrderStatus, Partner and AccountContactRelation."""
    return [
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
                f("Status", "picklist", picklist=QUOTE_STATUSES),
                f("ExpirationDate", "date"),
                f("QuoteNumber", "string", **RO),
                f("Subtotal", "currency", **RO),
                f("GrandTotal", "currency", **RO),
                f("Discount", "percent"),
                f("Description", "textarea", length=32000),
                f("IsSyncing", "boolean", **RO),
                channelsync_id(),
            ],
        ),
        ObjectDef(
            "QuoteLineItem",
            "0QL",
            "Quote Line Item",
            "Quote Line Items",
            [
                *_line("Quote", "QuoteId", True),
                f("UnitPrice", "currency", label="Sales Price", required=True),
                f("Discount", "percent"),
                f("TotalPrice", "currency", **RO),
                f("Description", "string"),
                channelsync_id(),
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
                f("Status", "picklist", required=True, picklist=ORDER_STATUSES, restricted=True),
                f(
                    "StatusCode",
                    "picklist",
                    label="Status Category",
                    picklist=("Draft", "Activated"),
                    **RO,
                ),
                f("Name", "string", label="Order Name"),
                f("PoNumber", "string", label="PO Number"),
                f("OrderNumber", "string", **RO),
                f("TotalAmount", "currency", **RO),
                f("Description", "textarea", length=32000),
                channelsync_id(),
            ],
        ),
        ObjectDef(
            "OrderItem",
            "802",
            "Order Product",
            "Order Products",
            [
                *_line("Order", "OrderId", True),
                f("UnitPrice", "currency", required=True),
                f("TotalPrice", "currency", **RO),
                f("Description", "string"),
                channelsync_id(),
            ],
        ),
        order_status_object(),
        ObjectDef(
            "Partner",
            "00I",
            "Partner",
            "Partners",
            [
                f("AccountFromId", "reference", reference_to=("Account",)),
                f("AccountToId", "reference", required=True, reference_to=("Account",)),
                f("OpportunityId", "reference", reference_to=("Opportunity",)),
                f("Role", "picklist", picklist=PARTNER_ROLES),
                f("IsPrimary", "boolean", label="Primary"),
            ],
        ),
        ObjectDef(
            "AccountContactRelation",
            "07k",
            "Account Contact Relationship",
            "Account Contact Relationships",
            [
                f("AccountId", "reference", required=True, reference_to=("Account",)),
                f("ContactId", "reference", required=True, reference_to=("Contact",)),
                f("Roles", "picklist", picklist=CONTACT_ROLES),
                f("IsActive", "boolean", label="Active"),
                f("IsDirect", "boolean", label="Direct", **RO),
                f("StartDate", "date"),
                f("EndDate", "date"),
            ],
        ),
    ]
