"""The standard property definitions of each object type (plus channelsync's custom ones).

A definition says the property's HubSpot ``type`` (string, number, date, datetime, enumeration,
bool) and ``fieldType``, whether its value is read-only (``hs_object_id``, the create and
modification stamps, calculated fields) and whether it holds unique values (usable as a batch
upsert ``idProperty``). Object types without records still get a sensible default set.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from crm_sandbox.hubspot.objects import KNOWN, ObjectType

_FIELD_TYPES = {
    "string": "text",
    "number": "number",
    "date": "date",
    "datetime": "date",
    "enumeration": "select",
    "bool": "booleancheckbox",
}


@dataclass
class PropertyDef:
    """One property of an object type."""

    name: str
    label: str
    type: str
    field_type: str = ""
    group_name: str = ""
    description: str = ""
    options: list[tuple[str, str]] = field(default_factory=list)  # (label, value)
    read_only: bool = False
    unique: bool = False
    hubspot_defined: bool = True
    calculated: bool = False
    display_order: int = -1

    def __post_init__(self) -> None:
        if not self.field_type:
            self.field_type = _FIELD_TYPES.get(self.type, "text")

    def option_values(self) -> set[str]:
        """The allowed values of an enumeration."""
        return {v for _, v in self.options}


def _opts(*values: str) -> list[tuple[str, str]]:
    return [(v.replace("_", " ").title() if v.isupper() else v, v) for v in values]


def _bool_opts() -> list[tuple[str, str]]:
    return [("True", "true"), ("False", "false")]


STAGES = [
    ("appointmentscheduled", "Appointment Scheduled", "0.2", False),
    ("qualifiedtobuy", "Qualified To Buy", "0.4", False),
    ("presentationscheduled", "Presentation Scheduled", "0.6", False),
    ("decisionmakerboughtin", "Decision Maker Bought-In", "0.8", False),
    ("contractsent", "Contract Sent", "0.9", False),
    ("closedwon", "Closed Won", "1.0", True),
    ("closedlost", "Closed Lost", "0.0", True),
]


def _stamps(t: ObjectType, group: str) -> list[PropertyDef]:
    created = PropertyDef(t.create_property, "Create Date", "datetime", read_only=True)
    stamp = PropertyDef(t.stamp_property, "Last Modified Date", "datetime", read_only=True)
    oid = PropertyDef("hs_object_id", "Record ID", "number", read_only=True)
    for p in (created, stamp, oid):
        p.group_name = group
    return [oid, created, stamp]


def _custom(group: str) -> list[PropertyDef]:
    return [
        PropertyDef(
            "channelsync_id",
            "channelsync ID",
            "string",
            group_name=group,
            unique=True,
            hubspot_defined=False,
            description="The channelsync core's id of this record (external id for upserts).",
        )
    ]


def _s(name: str, label: str, typ: str = "string", **kw: object) -> PropertyDef:
    return PropertyDef(name, label, typ, **kw)  # type: ignore[arg-type]


def standard_properties(t: ObjectType) -> list[PropertyDef]:
    """A fresh list of the standard (and channelsync custom) properties of an object type."""
    group = f"{t.singular.replace('_', '')}information"
    props: list[PropertyDef] = _stamps(t, group)
    own: list[PropertyDef]
    if t.name == "contacts":
        own = [
            _s("email", "Email"),
            _s("firstname", "First Name"),
            _s("lastname", "Last Name"),
            _s("phone", "Phone Number"),
            _s("company", "Company Name"),
            _s("jobtitle", "Job Title"),
            _s("associatedcompanyid", "Primary Associated Company ID", "number"),
            _s("message", "Message", field_type="textarea"),
            _s(
                "lifecyclestage",
                "Lifecycle Stage",
                "enumeration",
                options=_opts("subscriber", "lead", "opportunity", "customer", "other"),
            ),
            _s(
                "channel_buyer_role",
                "Channel buyer role",
                "enumeration",
                options=[("Buyer", "buyer"), ("Approver", "approver"), ("Admin", "admin")],
                hubspot_defined=False,
            ),
        ]
    elif t.name == "companies":
        own = [
            _s("name", "Company name"),
            _s("domain", "Company Domain Name"),
            _s("country", "Country/Region"),
            _s("city", "City"),
            _s("phone", "Phone Number"),
            _s("industry", "Industry"),
            _s("numberofemployees", "Number of Employees", "number"),
            _s("annualrevenue", "Annual Revenue", "number"),
            _s("description", "Description", field_type="textarea"),
            _s(
                "type",
                "Type",
                "enumeration",
                options=_opts("PROSPECT", "PARTNER", "RESELLER", "VENDOR", "OTHER"),
            ),
            _s(
                "lifecyclestage",
                "Lifecycle Stage",
                "enumeration",
                options=_opts("lead", "opportunity", "customer", "evangelist", "other"),
            ),
            _s(
                "channel_role",
                "Channel role",
                "enumeration",
                options=_opts("reseller", "distributor", "customer"),
                hubspot_defined=False,
            ),
            _s(
                "partner_tier",
                "Partner tier",
                "enumeration",
                options=_opts("Platinum", "Gold", "Silver", "Registered"),
                hubspot_defined=False,
            ),
        ]
    elif t.name == "deals":
        own = [
            _s("dealname", "Deal Name"),
            _s("amount", "Amount", "number"),
            _s("closedate", "Close Date", "datetime"),
            _s("pipeline", "Pipeline", "enumeration", options=[("Sales Pipeline", "default")]),
            _s(
                "dealstage",
                "Deal Stage",
                "enumeration",
                options=[(label, sid) for sid, label, _, _ in STAGES],
            ),
            _s(
                "dealtype",
                "Deal Type",
                "enumeration",
                options=_opts("newbusiness", "existingbusiness"),
            ),
            _s("description", "Deal Description", field_type="textarea"),
            _s(
                "deal_currency_code",
                "Currency",
                "enumeration",
                options=_opts("USD", "EUR", "GBP", "JPY", "BHD", "CAD", "AUD"),
            ),
            _s("hubspot_owner_id", "Deal owner", "enumeration", options=[]),
            _s(
                "deal_registration",
                "Deal registration",
                "bool",
                options=_bool_opts(),
                hubspot_defined=False,
            ),
            _s(
                "registration_status",
                "Registration status",
                "enumeration",
                options=_opts("Pending", "Approved", "Rejected", "Expired"),
                hubspot_defined=False,
            ),
            _s(
                "registration_discount_percent",
                "Registration discount (%)",
                "number",
                hubspot_defined=False,
            ),
            _s("registration_expires_on", "Registration expires on", "date", hubspot_defined=False),
            _s(
                "registration_scope",
                "Registration scope",
                field_type="textarea",
                hubspot_defined=False,
                description="Comma-separated SKUs and product families the registration covers.",
            ),
            _s(
                "quote_requested",
                "Quote requested",
                "bool",
                options=_bool_opts(),
                hubspot_defined=False,
            ),
        ]
    elif t.name == "products":
        own = [
            _s("name", "Name"),
            _s("description", "Description", field_type="textarea"),
            _s("price", "Unit price", "number"),
            _s("hs_sku", "SKU"),
            _s("hs_cost_of_goods_sold", "Unit cost", "number"),
            _s(
                "recurringbillingfrequency",
                "Billing frequency",
                "enumeration",
                options=_opts("monthly", "quarterly", "annually"),
            ),
            _s("hs_recurring_billing_period", "Term"),
            _s(
                "product_family",
                "Product family",
                "enumeration",
                options=_opts("Platform", "Security", "Analytics", "Support"),
                hubspot_defined=False,
            ),
        ]
    elif t.name == "line_items":
        own = [
            _s("name", "Name"),
            _s("quantity", "Quantity", "number"),
            _s("price", "Unit price", "number"),
            _s("amount", "Net price", "number", read_only=True, calculated=True),
            _s("discount", "Unit discount", "number"),
            _s("hs_discount_percentage", "Discount Percentage", "number"),
            _s("hs_product_id", "Product ID", "number"),
            _s("hs_sku", "SKU"),
            _s("description", "Description", field_type="textarea"),
            _s("hs_line_item_currency_code", "Currency"),
            _s("hs_position_on_quote", "Position on quote", "number"),
            _s(
                "recurringbillingfrequency",
                "Billing frequency",
                "enumeration",
                options=_opts("monthly", "quarterly", "annually"),
            ),
        ]
    elif t.name == "quotes":
        own = [
            _s("hs_title", "Quote Name"),
            _s("hs_expiration_date", "Expiration date", "datetime"),
            _s(
                "hs_status",
                "Quote approval status",
                "enumeration",
                options=_opts(
                    "DRAFT", "APPROVAL_NOT_NEEDED", "PENDING_APPROVAL", "APPROVED", "REJECTED"
                ),
            ),
            _s("hs_public_url_key", "Public URL key", read_only=True),
            _s("hs_currency", "Currency"),
            _s("hs_comments", "Comments", field_type="textarea"),
            _s("hs_quote_amount", "Quote amount", "number"),
        ]
    elif t.name == "orders":
        own = [
            _s("hs_order_name", "Name"),
            _s("hs_total_price", "Total", "number"),
            _s("hs_currency_code", "Currency"),
            _s("hs_external_order_id", "External order ID"),
            _s("hs_pipeline", "Pipeline"),
            _s("hs_pipeline_stage", "Stage"),
        ]
    else:
        own = [
            _s(n, n.replace("hs_", "").replace("_", " ").capitalize(), _guess_type(n))
            for n in t.default_properties
        ]
    for p in own:
        p.group_name = p.group_name or (group if p.hubspot_defined else "channelsync")
    props.extend(own)
    if t.stored:
        props.extend(_custom("channelsync"))
    for i, p in enumerate(props):
        p.display_order = i if p.display_order < 0 else p.display_order
    return props


def _guess_type(name: str) -> str:
    return "datetime" if name.endswith(("_timestamp", "_date")) else "string"


def all_standard() -> dict[str, list[PropertyDef]]:
    """Standard properties of every known object type, by plural name."""
    return {name: standard_properties(t) for name, t in KNOWN.items()}
