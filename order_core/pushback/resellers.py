"""What the push sends about end customers: each one's reseller of record, as one connection knows them.

The CRM shows the reseller of record on the end customer (a Salesforce ``Partner`` row, a HubSpot
labelled company association); the other resellers associated with the customer are the ones a
change of reseller must take the mark from.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlmodel import Session, col, select

from order_core.bulk_sql import one_of
from order_core.customers.models import CustomerAssociation, EndCustomer
from order_core.pushback.snapshots import crm_ids


@dataclass(frozen=True)
class ResellerSnap:
    """One end customer in one connection: its CRM id, its reseller's, and the other resellers'."""

    customer_id: int
    customer_crm_id: str | None
    reseller_crm_id: str | None
    others_crm_ids: tuple[str, ...]


def reseller_snapshots(
    session: Session, source: str, customer_ids: Sequence[int]
) -> dict[int, ResellerSnap]:
    """End customers by id with their reseller of record, as connection ``source`` knows them."""
    customers = list(
        session.exec(select(EndCustomer).where(one_of(session, col(EndCustomer.id), customer_ids)))
    )
    partners: dict[int, set[int]] = {}
    stmt = select(CustomerAssociation.customer_id, CustomerAssociation.partner_id).where(
        one_of(session, col(CustomerAssociation.customer_id), customer_ids)
    )
    for customer_id, partner_id in session.exec(stmt):
        partners.setdefault(customer_id, set()).add(partner_id)
    all_partners = sorted({p for ps in partners.values() for p in ps})
    partner_crm = crm_ids(session, source, "partner", all_partners)
    customer_crm = crm_ids(session, source, "end_customer", [c.id for c in customers if c.id])
    out = {}
    for c in customers:
        assert c.id is not None
        current = c.reseller_of_record_id
        others = sorted(
            partner_crm[p] for p in partners.get(c.id, set()) if p != current and p in partner_crm
        )
        out[c.id] = ResellerSnap(
            c.id,
            customer_crm.get(c.id),
            None if current is None else partner_crm.get(current),
            tuple(others),
        )
    return out
