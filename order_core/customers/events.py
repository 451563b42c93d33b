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


def reseller_event(customer_id: int, partner_id: int, previous: int | None) -> EventRow:
    """The ``crm.end_customer`` event: the customer's reseller of record is now ``partner_id``
    (it was ``previous``), for the CRMs to show on the end customer."""
    payload: dict[str, object] = {
        "customer_id": customer_id,
        "reseller_id": partner_id,
        "previous_reseller_id": previous,
    }
    return ("crm.end_customer", "end_customer", customer_id, payload, partner_id)
