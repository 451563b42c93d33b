"""Finding an existing end customer by CRM id, normalised email or domain, one at a time or in bulk."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlmodel import Session, col, select

from order_core.customers.bulk_sql import one_of
from order_core.customers.fields import CustomerValues, dedupe_domain, normalize_email
from order_core.customers.models import EndCustomer

_CHUNK = 500


def _chunks(items: Sequence[str]) -> Iterable[Sequence[str]]:
    for start in range(0, len(items), _CHUNK):
        yield items[start : start + _CHUNK]


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
        crm_ids = sorted({r["crm_id"] or "" for r in rows if r.get("crm_id")})
        emails = sorted({e for r in rows if (e := normalize_email(r.get("email")))})
        domains = sorted({d for r in rows if (d := dedupe_domain(r.get("domain"), r.get("email")))})
        for column, keys in (
            (col(EndCustomer.crm_id), crm_ids),
            (col(EndCustomer.email_normalized), emails),
            (col(EndCustomer.domain), domains),
        ):
            for chunk in _chunks(keys):
                for customer in session.exec(
                    select(EndCustomer)
                    .where(one_of(session, column, chunk))
                    .order_by(col(EndCustomer.id))
                ):
                    index.add(customer)
        return index


def find_duplicate(session: Session, values: CustomerValues) -> EndCustomer | None:
    """The existing customer matching these values (CRM id, then email, then domain), or None."""
    return DedupeIndex.load(session, [values]).match(values)
