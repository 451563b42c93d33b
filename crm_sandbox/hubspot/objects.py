"""HubSpot object types the sandbox knows: names, type ids, default properties, stamp property.

HubSpot addresses an object type by its plural name (``deals``), its singular name (``deal``) or
its type id (``0-3``). Only the types in :data:`STORED` hold records; every type in
:data:`KNOWN` answers property and schema reads, as a real portal does for objects it has no
records of. Contacts keep their modification stamp in ``lastmodifieddate``; every other object
type uses ``hs_lastmodifieddate``.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ObjectType:
    """One HubSpot object type."""

    type_id: str
    name: str  # plural API name, e.g. "deals"
    singular: str  # e.g. "deal"
    label: str  # e.g. "Deal"
    stored: bool
    default_properties: tuple[str, ...]
    primary_display: str

    @property
    def stamp_property(self) -> str:
        """The property holding the record's last-modified stamp."""
        return "lastmodifieddate" if self.name == "contacts" else "hs_lastmodifieddate"

    @property
    def create_property(self) -> str:
        """The property holding the record's creation stamp."""
        return "hs_createdate" if self.name in ("quotes", "orders") else "createdate"

    @property
    def upper(self) -> str:
        """HubSpot's upper-case object name used in error messages (``DEAL``, ``LINE_ITEM``)."""
        return self.singular.upper().replace(" ", "_")


def _t(
    type_id: str,
    name: str,
    singular: str,
    label: str,
    stored: bool,
    defaults: tuple[str, ...],
    display: str,
) -> ObjectType:
    return ObjectType(type_id, name, singular, label, stored, defaults, display)


_ALL = [
    _t(
        "0-1",
        "contacts",
        "contact",
        "Contact",
        True,
        ("createdate", "email", "firstname", "hs_object_id", "lastmodifieddate", "lastname"),
        "email",
    ),
    _t(
        "0-2",
        "companies",
        "company",
        "Company",
        True,
        ("createdate", "domain", "hs_lastmodifieddate", "hs_object_id", "name"),
        "name",
    ),
    _t(
        "0-3",
        "deals",
        "deal",
        "Deal",
        True,
        (
            "amount",
            "closedate",
            "createdate",
            "dealname",
            "dealstage",
            "hs_lastmodifieddate",
            "hs_object_id",
            "pipeline",
        ),
        "dealname",
    ),
    _t(
        "0-7",
        "products",
        "product",
        "Product",
        True,
        ("createdate", "description", "hs_lastmodifieddate", "hs_object_id", "name", "price"),
        "name",
    ),
    _t(
        "0-8",
        "line_items",
        "line_item",
        "Line Item",
        True,
        (
            "amount",
            "createdate",
            "hs_lastmodifieddate",
            "hs_object_id",
            "hs_product_id",
            "name",
            "price",
            "quantity",
        ),
        "name",
    ),
    _t(
        "0-14",
        "quotes",
        "quote",
        "Quote",
        True,
        (
            "hs_createdate",
            "hs_expiration_date",
            "hs_lastmodifieddate",
            "hs_object_id",
            "hs_public_url_key",
            "hs_status",
            "hs_title",
        ),
        "hs_title",
    ),
    _t(
        "0-123",
        "orders",
        "order",
        "Order",
        True,
        (
            "hs_createdate",
            "hs_lastmodifieddate",
            "hs_object_id",
            "hs_order_name",
            "hs_total_price",
        ),
        "hs_order_name",
    ),
    _t("0-5", "tickets", "ticket", "Ticket", False, ("subject", "content"), "subject"),
    _t("0-48", "calls", "call", "Call", False, ("hs_call_title", "hs_timestamp"), "hs_call_title"),
    _t("0-49", "emails", "email", "Email", False, ("hs_email_subject", "hs_timestamp"), "subject"),
    _t("0-47", "meetings", "meeting", "Meeting", False, ("hs_meeting_title",), "hs_meeting_title"),
    _t("0-46", "notes", "note", "Note", False, ("hs_note_body", "hs_timestamp"), "hs_note_body"),
    _t("0-27", "tasks", "task", "Task", False, ("hs_task_subject",), "hs_task_subject"),
    _t(
        "0-19",
        "feedback_submissions",
        "feedback_submission",
        "Feedback Submission",
        False,
        ("hs_survey_name",),
        "hs_survey_name",
    ),
    _t("0-136", "leads", "lead", "Lead", False, ("hs_lead_name",), "hs_lead_name"),
    _t("0-18", "communications", "communication", "Communication", False, (), "hs_body_preview"),
    _t("0-116", "postal_mail", "postal_mail", "Postal Mail", False, (), "hs_postal_mail_body"),
    _t("0-115", "goal_targets", "goal_target", "Goal Target", False, (), "hs_goal_name"),
    _t("0-35", "campaigns", "campaign", "Campaign", False, (), "hs_name"),
    _t("0-162", "services", "service", "Service", False, (), "hs_name"),
    _t("0-410", "courses", "course", "Course", False, (), "hs_course_name"),
    _t("0-420", "listings", "listing", "Listing", False, (), "hs_name"),
    _t("0-4", "engagements", "engagement", "Engagement", False, (), "hs_engagement_type"),
]

KNOWN: dict[str, ObjectType] = {t.name: t for t in _ALL}
STORED: dict[str, ObjectType] = {t.name: t for t in _ALL if t.stored}
_ALIASES: dict[str, ObjectType] = {}
for _type in _ALL:
    for _alias in (_type.name, _type.singular, _type.type_id):
        _ALIASES[_alias.lower()] = _type
_ALIASES["lineitems"] = _ALIASES["lineitem"] = KNOWN["line_items"]
_ALIASES["p_orders"] = KNOWN["orders"]


def resolve(name: str) -> ObjectType | None:
    """The object type for a plural name, singular name or type id (case-insensitive)."""
    return _ALIASES.get(name.lower())
