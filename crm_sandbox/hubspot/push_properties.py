"""The custom properties channelsync's push writes besides ``channelsync_id``: the quote summary on a
deal (number, status, total, approval state, document link, and a note such as why no quote could
be made) and the channel status of an order and its history.

They are portal-defined (not HubSpot's), in the ``channelsync`` group, as an admin would create them.
"""

from __future__ import annotations

from crm_sandbox.hubspot.property_defs import PropertyDef

GROUP = "channelsync"
#: One option per channelsync order status (``order_core.orders.states.OrderStatus``).
ORDER_STATUSES = (
    ("Draft", "draft"),
    ("Pending approval", "pending_approval"),
    ("Credit review", "credit_review"),
    ("Submitted", "submitted"),
    ("Accepted", "accepted"),
    ("Fulfilled", "fulfilled"),
    ("Invoiced", "invoiced"),
    ("Paid", "paid"),
    ("On hold", "on_hold"),
    ("Cancelled", "cancelled"),
    ("Partially refunded", "partially_refunded"),
)


def _p(name: str, label: str, typ: str = "string", **kw: object) -> PropertyDef:
    return PropertyDef(name, label, typ, group_name=GROUP, hubspot_defined=False, **kw)  # type: ignore[arg-type]


def push_properties(object_type: str) -> list[PropertyDef]:
    """The push's properties of an object type (by plural name); none for most types."""
    if object_type == "deals":
        return [
            _p("channelsync_quote_number", "Quote number"),
            _p("channelsync_quote_status", "Quote status"),
            _p("channelsync_quote_total", "Quote total", "number"),
            _p("channelsync_approval_state", "Approval state"),
            _p("channelsync_quote_url", "Quote document"),
            _p("channelsync_sync_note", "Sync note", field_type="textarea"),
        ]
    if object_type == "orders":
        return [
            _p(
                "channelsync_status",
                "Channel order status",
                "enumeration",
                options=list(ORDER_STATUSES),
            ),
            _p("channelsync_status_history", "Channel order history", field_type="textarea"),
        ]
    return []
