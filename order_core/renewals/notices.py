"""One chunk of the renewal run's notices: price new renewal quotes, send the window's e-mails.

For each subscription in a notice window the latest window entered (e.g. 30 of 90 / 60 / 30) is
the one due; a renewal already noticed for it or a later one is left alone, so a day run twice
sends nothing new and a skipped day sends only the window now due. Rows go in set-based
statements (renewals, notices, last window, events); each notice has its own link token, kept as
an HMAC, travelling sealed in the outbox. The reseller gets one digest per run and buyer listing
its renewals with both prices and its margin.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, Protocol

from sqlalchemy import update
from sqlmodel import Session, col, select

from order_core.actors import Actor
from order_core.audit import AuditEntry, audit_rows
from order_core.bulk_sql import one_of
from order_core.catalog.models import ListPrice, Product
from order_core.customers.models import EndCustomer
from order_core.errors import DomainError
from order_core.licenses.services import add_months
from order_core.orders.models import Order
from order_core.outbox import EventRow, OutboxEvent, event_rows
from order_core.partners.branding import branding_of
from order_core.partners.models import Buyer, Partner
from order_core.quotes.sending import token_hash
from order_core.renewals.models import Renewal, RenewalNotice
from order_core.renewals.pricing import PriceCache, SubscriptionTerms, renewal_price
from order_core.rowbatch import insert_rows, table_of
from order_core.sealing import seal
from order_core.types import utcnow

_RENEWALS = table_of(Renewal)
_R = _RENEWALS.c
_NOTICES = table_of(RenewalNotice)
_EVENTS = table_of(OutboxEvent)
_AUDIT = table_of(AuditEntry)


class SubscriptionRow(SubscriptionTerms, Protocol):
    """What the notices read of a subscription (a Core row of the run's chunk)."""

    @property
    def order_id(self) -> int: ...
    @property
    def product_id(self) -> int: ...
    @property
    def distributor_id(self) -> int | None: ...
    @property
    def term_end(self) -> date: ...
    @property
    def term_months(self) -> int: ...


def reference_of(subscription_id: int, term_end: date) -> str:
    """The renewal's reference: the subscription and the end of the term it renews."""
    return f"RN-{subscription_id}-{term_end.year:04d}{term_end.month:02d}{term_end.day:02d}"


def due_window(days_left: int, windows: list[int]) -> int | None:
    """The latest notice window entered ``days_left`` days before the end (None: none yet)."""
    entered = [w for w in windows if days_left <= w]
    return min(entered) if entered else None


@dataclass
class RunCache:
    """What a run reads once: names, co-branding, list prices and today's waterfall prices."""

    partners: dict[int, str] = field(default_factory=dict)
    cobrand: dict[int, tuple[str, str] | None] = field(default_factory=dict)
    products: dict[int, str] = field(default_factory=dict)
    lists: dict[tuple[int, str], Decimal | None] = field(default_factory=dict)
    prices: PriceCache = field(default_factory=dict)

    def partner(self, session: Session, partner_id: int) -> str:
        """The partner's name."""
        if partner_id not in self.partners:
            found = session.get(Partner, partner_id)
            self.partners[partner_id] = found.name if found is not None else ""
        return self.partners[partner_id]

    def distributor(self, session: Session, distributor_id: int | None) -> tuple[str, str] | None:
        """The distributor's co-branding (display name, primary colour), if it has branding."""
        if distributor_id is None:
            return None
        if distributor_id not in self.cobrand:
            profile = branding_of(session, distributor_id)
            found = (profile.display_name, profile.primary_color) if profile else None
            self.cobrand[distributor_id] = found
        return self.cobrand[distributor_id]

    def product(self, session: Session, product_id: int) -> str:
        """The product's name."""
        if product_id not in self.products:
            found = session.get(Product, product_id)
            self.products[product_id] = found.name if found is not None else ""
        return self.products[product_id]

    def list_price(self, session: Session, product_id: int, currency: str) -> Decimal | None:
        """Today's list price of the product in ``currency``."""
        key = (product_id, currency)
        if key not in self.lists:
            row = session.exec(
                select(ListPrice).where(
                    ListPrice.product_id == product_id, ListPrice.currency == currency
                )
            ).first()
            self.lists[key] = row.amount if row is not None else None
        return self.lists[key]


@dataclass
class NoticeCounts:
    """What a chunk did."""

    created: int = 0
    notices: int = 0
    failures: list[str] = field(default_factory=list)


def _contacts(
    session: Session, subs: Sequence[SubscriptionRow]
) -> tuple[dict[int | None, EndCustomer], dict[int | None, str]]:
    customer_ids = [s.end_customer_id for s in subs if s.end_customer_id is not None]
    customers = {
        c.id: c
        for c in session.exec(select(EndCustomer).where(one_of(session, EndCustomer.id, customer_ids)))
    } if customer_ids else {}  # fmt: skip
    order_ids = sorted({s.order_id for s in subs})
    buyers = {
        order_id: email
        for order_id, email in session.exec(
            select(Order.id, Buyer.email)
            .join(Buyer, col(Buyer.id) == col(Order.buyer_id))
            .where(one_of(session, Order.id, order_ids))
        )
    }
    return customers, buyers


def _new_renewal(
    session: Session, sub: SubscriptionRow, reference: str, as_of: date, cache: RunCache
) -> dict[str, Any]:
    assert sub.id is not None
    price = renewal_price(
        session, sub, as_of, cache.prices, cache.list_price(session, sub.product_id, sub.currency)
    )
    return {
        "reference": reference,
        "subscription_id": sub.id,
        "partner_id": sub.reseller_id,
        "distributor_id": sub.distributor_id,
        "end_customer_id": sub.end_customer_id,
        "product_id": sub.product_id,
        "sku": sub.sku,
        "term_end": sub.term_end,
        "new_term_end": add_months(sub.term_end, sub.term_months),
        "seats": sub.seats,
        "currency": sub.currency,
        "method": sub.pricing_method,
        "unit_list": price.unit_list,
        "unit_buy": price.unit_buy,
        "unit_resale": price.unit_resale,
        "buy_total": price.unit_buy * sub.seats,
        "resale_total": price.unit_resale * sub.seats,
        "state": "open",
        "last_notice_days": None,
        "order_id": None,
        "renewed_by": None,
        "renewed_email": None,
        "po_number": None,
        "renewed_at": None,
        "created_at": utcnow(),
    }


def send_notices(
    session: Session,
    actor: Actor,
    subs: Sequence[SubscriptionRow],
    as_of: date,
    windows: list[int],
    cache: RunCache,
) -> NoticeCounts:
    """Create the missing renewal quotes of ``subs`` and send each the notice now due."""
    counts = NoticeCounts()
    ids = [s.id for s in subs if s.id is not None]
    columns = (_R.subscription_id, _R.term_end, _R.state, _R.last_notice_days)
    existing = {
        (r.subscription_id, r.term_end): r
        for r in session.execute(select(*columns).where(one_of(session, _R.subscription_id, ids)))
    }
    due: list[tuple[SubscriptionRow, str, int]] = []
    fresh: list[dict[str, Any]] = []
    for sub in subs:
        window = due_window((sub.term_end - as_of).days, windows)
        found = existing.get((sub.id or 0, sub.term_end))
        if window is None or (found is not None and found.state != "open"):
            continue
        last = found.last_notice_days if found is not None else None
        if last is not None and last <= window:
            continue
        reference = reference_of(sub.id or 0, sub.term_end)
        if found is None:
            try:  # pricing only reads: a subscription that cannot be priced is skipped, named
                fresh.append(_new_renewal(session, sub, reference, as_of, cache))
            except DomainError as exc:
                counts.failures.append(f"subscription {sub.id}: {exc.message}")
                continue
        due.append((sub, reference, window))
    if not due:
        return counts
    if fresh:
        insert_rows(session, [(_RENEWALS, fresh)])
        counts.created = len(fresh)
    refs = [reference for _, reference, _ in due]
    renewals = {
        r.reference: r
        for r in session.execute(_RENEWALS.select().where(one_of(session, _R.reference, refs)))
    }
    customers, buyers = _contacts(session, [s for s, _, _ in due])
    notices: list[dict[str, Any]] = []
    windows_sent: dict[int, list[int]] = {}
    events: list[EventRow] = []
    digests: dict[tuple[int, str], list[dict[str, Any]]] = {}
    for sub, reference, window in due:
        renewal = renewals[reference]
        token = secrets.token_urlsafe(32)
        notices.append(
            {"renewal_id": renewal.id, "days": window, "token_hash": token_hash(token), "sent_on": as_of}
        )  # fmt: skip
        windows_sent.setdefault(window, []).append(renewal.id)
        cobrand = cache.distributor(session, sub.distributor_id)
        facts: dict[str, Any] = {
            "reference": renewal.reference,
            "days": window,
            "seller": cache.partner(session, sub.reseller_id),
            "distributor": cobrand[0] if cobrand is not None else None,
            "product": cache.product(session, sub.product_id) or sub.sku,
            "sku": sub.sku,
            "seats": renewal.seats,
            "currency": renewal.currency,
            "term_end": renewal.term_end.isoformat(),
            "new_term_end": renewal.new_term_end.isoformat(),
            "unit_resale": renewal.unit_resale,
            "resale_total": renewal.resale_total,
        }
        customer = customers.get(sub.end_customer_id) if sub.end_customer_id else None
        if customer is not None and customer.email:
            events.append((
                "notify.email", "renewal", renewal.reference,
                {**facts, "kind": "renewal_notice", "to": [customer.email],
                 "customer_name": customer.name, "sealed_token": seal(token),
                 # the logo is read at delivery (``distributor_id``): not copied into every notice
                 **({"distributor_id": sub.distributor_id, "distributor_colour": cobrand[1]}
                    if cobrand is not None else {})},
                sub.reseller_id,
            ))  # fmt: skip
        reseller_to = buyers.get(sub.order_id)
        if reseller_to:
            digests.setdefault((sub.reseller_id, reseller_to), []).append(
                {**facts, "customer_name": customer.name if customer is not None else None,
                 "unit_buy": renewal.unit_buy, "buy_total": renewal.buy_total,
                 "margin": renewal.resale_total - renewal.buy_total}
            )  # fmt: skip
    for (reseller, to), lines in digests.items():
        events.append((
            "notify.email", "renewal_run", f"{as_of.isoformat()}:{reseller}",
            {"kind": "renewal_digest", "to": [to], "as_of": as_of.isoformat(),
             "seller": cache.partner(session, reseller), "currency": lines[0]["currency"],
             "renewals": lines},
            reseller,
        ))  # fmt: skip
    for window, renewal_ids in windows_sent.items():
        session.execute(
            update(_RENEWALS)
            .where(one_of(session, _RENEWALS.c.id, renewal_ids))
            .values(last_notice_days=window)
        )
    summary = {"notices": len(notices), "created": counts.created}
    insert_rows(
        session,
        [
            (_NOTICES, notices),
            (_EVENTS, event_rows(events)),
            (_AUDIT, audit_rows(actor, [("renewal_notices", "renewal_run", as_of.isoformat(), summary, None)])),
        ],
    )  # fmt: skip
    counts.notices = len(notices)
    return counts
