"""Outbox events of end customers: ``customer.associated`` to the PRM of the reseller associated with one."""

from __future__ import annotations

from datetime import datetime

from order_core.outbox import EventRow


def associated_event(
    customer_id: int,
    name: str,
    country: str | None,
    partner_id: int,
    origin: str,
    since: datetime,
    *,
    reseller_of_record: bool,
) -> EventRow:
    """The ``prm.webhook`` event telling a reseller it is associated with an end customer.

    Sent for every new association and when a reseller becomes the reseller of record; only the
    receiving partner's own association is in it, never another reseller's.
    """
    payload: dict[str, object] = {
        "event": "customer.associated",
        "customer_id": customer_id,
        "customer_name": name,
        "customer_country": country,
        "partner_id": partner_id,
        "origin": origin,
        "since": since,
        "reseller_of_record": reseller_of_record,
    }
    return ("prm.webhook", "end_customer", customer_id, payload, partner_id)
