"""Finding an existing end customer by CRM id, normalised email or domain, one at a time or in bulk."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import true
from sqlmodel import Session, col, select

from order_core.bulk_sql import chunks, one_of
from order_core.customers.fields import CustomerValues, dedupe_domain, normalize_email
from order_core.customers.models import EndCustomer


class DedupeIndex:
    """Existing customers keyed by CRM id, normalised email and dedupe domain (prefetched in bulk)."""

    def __init__(self) -> None:
        self.by_crm: dict[tuple[str, str], EndCustomer] = {}
        self.by_email: dict[str, EndCustomer] = {}
        self.by_domain: dict[str, EndCustomer] = {}

    def add(self, customer: EndCustomer) -> None:
        """Index one customer (first one wins for each key)."""
        if customer.crm_source and customer.crm_id:
            self.by_crm.setdefault((customer.crm_source, customer.crm_id), customer)
        if customer.email_normalized:
            self.by_email.setdefault(customer.email_normalized, customer)
        if customer.domain:
            self.by_domain.setdefault(customer.domain, customer)

    def match(self, values: CustomerValues) -> EndCustomer | None:
        """The existing customer these values describe, by CRM id, then email, then domain."""
        source, crm_id = values.get("crm_source"), values.get("crm_id")
        if source and crm_id and (source, crm_id) in self.by_crm:
            return self.by_crm[(source, crm_id)]
        email = normalize_email(values.get("email"))
        if email and email in self.by_email:
            return self.by_email[email]
        domain = dedupe_domain(values.get("domain"), values.get("email"))
        if domain and domain in self.by_domain:
            return self.by_domain[domain]
        return None

    @classmethod
    def load(cls, session: Session, rows: Sequence[CustomerValues]) -> DedupeIndex:
        """Prefetch every existing customer any of ``rows`` could match (a few IN queries, no N+1)."""
        index = cls()
        crm_ids: dict[str, set[str]] = {}
        for r in rows:
            if r.get("crm_source") and r.get("crm_id"):
                crm_ids.setdefault(r["crm_source"] or "", set()).add(r["crm_id"] or "")
        emails = sorted({e for r in rows if (e := normalize_email(r.get("email")))})
        domains = sorted({d for r in rows if (d := dedupe_domain(r.get("domain"), r.get("email")))})
        # CRM ids are looked up per source so the (crm_source, crm_id) unique index serves them.
        lookups = [
            (col(EndCustomer.crm_source) == source, col(EndCustomer.crm_id), sorted(ids))
            for source, ids in sorted(crm_ids.items())
        ]
        lookups.append((true(), col(EndCustomer.email_normalized), emails))
        lookups.append((true(), col(EndCustomer.domain), domains))
        for scope, column, keys in lookups:
            for chunk in chunks(keys):
                for customer in session.exec(
                    select(EndCustomer)
                    .where(scope, one_of(session, column, chunk))
                    .order_by(col(EndCustomer.id))
                ):
                    index.add(customer)
        return index


def find_duplicate(session: Session, values: CustomerValues) -> EndCustomer | None:
    """The existing customer matching these values (CRM id, then email, then domain), or None."""
    return DedupeIndex.load(session, [values]).match(values)
