"""A core pulled from both sandboxes, priced products for the sandboxes' SKUs, and push helpers."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func, update
from sqlalchemy.engine import Engine
from sqlmodel import col, select

from connector.connections import Connection
from connector.push.run import PushReport, push_connection
from connector.sync.pull import Puller
from crm_sandbox.common.seed import PRODUCT_FAMILIES
from order_core.actors import Actor
from order_core.catalog.loader import load_catalog
from order_core.db import new_session
from order_core.deals.models import Deal, DealLine
from order_core.fulfillment.details import order_details
from order_core.fulfillment.services import accept_order, fulfill_order
from order_core.invoices.services import record_payment
from order_core.orders.cart import LockedLine
from order_core.orders.checkout import create_order_from_quote
from order_core.orders.models import Order, OrderLine
from order_core.outbox import OutboxEvent
from order_core.outbox.models import PENDING
from order_core.partners.buyers import add_buyer
from order_core.payments.services import allow_payment_method
from order_core.quotes.from_deals import DealQuoteResult, quote_requested_deals
from order_core.quotes.models import Quote, QuoteLine
from order_core.types import utcnow
from quote_engine.approvals import policy_from_data
from quote_engine.approvals.policy import ApprovalPolicy
from tests.e2e.conftest import Sandboxes

SALES_OPS = Actor.vendor("sales.ops@vendor.example", "sales_ops")
SF, HS = "acme-sf", "emea-hs"


def catalog_text() -> str:
    """Products for every SKU the sandboxes seed, each at a list price of 100 + 10 per index."""
    rows = []
    for i, fam in enumerate(PRODUCT_FAMILIES):
        for n in range(1, 4):
            sku = f"CS-{fam[:3].upper()}-{n:03d}"
            price = Decimal(100 + 10 * (3 * i + n))
            rows.append(
                f"  - {{sku: {sku}, name: {fam} {n}, category: {fam}, kind: perpetual, "
                f"list_prices: {{USD: {price}.00}}}}"
            )
    allow = "\n".join(
        f"  - {{program: {p}, allow: {{all: true}}}}" for p in ("RESELLER", "DISTRIBUTOR")
    )
    return "products:\n" + "\n".join(rows) + "\nauthorization:\n" + allow + "\n"


@dataclass
class PushWorld:
    """Both sandboxes pulled into the core, and the push of each connection."""

    engine: Engine
    sandboxes: Sandboxes
    connections: dict[str, Connection]
    puller: Callable[[str], Puller]

    def pull(self, name: str) -> None:
        """Pull one connection (asserting it ended well)."""
        report = self.puller(name).run()
        assert report.status == "ok", report.message

    def push(self, name: str) -> PushReport:
        """Push one connection (every connection receives its share of the fan-out)."""
        return push_connection(name, self.engine, connections=self.connections)

    def quotable_deal(self, source: str, *, skus: int = 1) -> Deal:
        """A live USD deal of ``source`` with a partner and line items of ``skus`` SKUs or more."""
        with new_session(self.engine) as session:
            with_lines = (
                select(DealLine.deal_id)
                .where(col(DealLine.quantity) > 0)
                .group_by(col(DealLine.deal_id))
                .having(func.count(col(DealLine.sku).distinct()) >= skus)
            )
            deal = session.exec(
                select(Deal)
                .where(
                    Deal.source == source,
                    col(Deal.partner_id).is_not(None),
                    col(Deal.deleted_in_crm).is_(False),
                    Deal.currency == "USD",
                    col(Deal.id).in_(with_lines),
                )
                .order_by(col(Deal.id))
            ).first()
            assert deal is not None
            return deal

    def flag(self, source: str, deal: Deal, *, on: bool = True) -> None:
        """Tick (or untick) the deal's quote-requested flag in its CRM, as sales ops would."""
        if source == SF:
            self.sandboxes.sf.app.admin_api.change_record(
                "Opportunity", deal.crm_id, {"Quote_Requested__c": on}
            )
        else:
            self.sandboxes.hs.app.change_record(
                "deals", deal.crm_id, {"quote_requested": "true" if on else "false"}
            )

    def quote_requests(self, source: str) -> list[DealQuoteResult]:
        """Handle the pulled quote requests of ``source``."""
        with new_session(self.engine) as session:
            return quote_requested_deals(session, source, SALES_OPS)


def build_world(
    engine: Engine,
    sandboxes: Sandboxes,
    connections: dict[str, Connection],
    puller: Callable[[str], Puller],
) -> PushWorld:
    """Products loaded, both connections pulled."""
    with new_session(engine) as session:
        load_catalog(catalog_text(), session=session, actor=Actor.vendor("admin"))
    world = PushWorld(engine, sandboxes, connections, puller)
    world.pull(SF)
    world.pull(HS)
    return world


ADMIN = Actor.vendor("channel.admin@vendor.example", "admin")
#: Every order waits for the pricing desk, so it stays revisable (pending approval).
DESK = policy_from_data(
    {
        "rules": [
            {
                "name": "desk",
                "when": {"field": "total", "op": "gt", "value": 0},
                "approver": {"side": "vendor", "role": "pricing_desk"},
            }
        ]
    },
    "e2e-desk",
)
FINANCE = Actor.vendor("finance@vendor.example", "finance")


def order_from_quote(
    engine: Engine, quote_id: int, n: int = 0, policy: ApprovalPolicy | None = None
) -> str:
    """An order at the quote's locked buy prices, placed by a new buyer of the quote's partner
    (``n`` tells the buyers of several orders apart); ``policy``: the approvals it needs (none)."""
    with new_session(engine) as session:
        quote = session.get(Quote, quote_id)
        assert quote is not None
        lines = session.exec(
            select(QuoteLine).where(QuoteLine.quote_id == quote_id).order_by(col(QuoteLine.line_no))
        ).all()
        allow_payment_method(
            "purchase_order", session=session, actor=ADMIN, partner_id=quote.partner_id
        )
        buyer = add_buyer(
            quote.partner_id,
            f"push.buyer{quote_id}.{n}@partner.example",
            "Push Buyer",
            session=session,
            actor=ADMIN,
        )
        assert buyer.id is not None
        order = create_order_from_quote(
            quote_id,
            session=session,
            actor=ADMIN,
            partner_id=quote.partner_id,
            buyer_id=buyer.id,
            currency=quote.currency,
            lines=[
                LockedLine(ln.sku, ln.quantity, ln.unit_list, ln.unit_net, ln.line_total)
                for ln in lines
            ],
            payment_method="purchase_order",
            po_number=f"PO-{quote_id}",
            policy=policy or ApprovalPolicy([]),
        )
        session.commit()
        return order.number


def advance(engine: Engine, number: str, step: str) -> str:
    """Move an order one step: accept, fulfil (fulfilled, then invoiced) or pay; its new status."""
    with new_session(engine) as session:
        if step == "accept":
            order = accept_order(number, session=session, actor=SALES_OPS)
        elif step == "fulfil":
            order = fulfill_order(number, session=session, actor=SALES_OPS)
        else:
            invoice = order_details(number, session=session, actor=ADMIN).invoices[-1]
            record_payment(invoice.number, invoice.total, session=session, actor=FINANCE)
            order = order_details(number, session=session, actor=ADMIN).order
        return order.status


def quoted_orders(world: PushWorld, source: str, n: int) -> list[str]:
    """``n`` orders from the quote of a deal flagged in ``source`` (the quote pushed already)."""
    deal = world.quotable_deal(source)
    world.flag(source, deal)
    world.pull(source)
    world.quote_requests(source)
    assert world.push(source).dead_lettered == 0
    with new_session(world.engine) as session:
        quote = session.exec(select(Quote).where(Quote.deal_id == deal.id)).one()
    return [order_from_quote(world.engine, quote.id or 0, i) for i in range(n)]


def quote_with_lines(world: PushWorld, source: str) -> Quote:
    """The pushed quote of a flagged deal of ``source`` with two line items or more."""
    deal = world.quotable_deal(source, skus=2)
    world.flag(source, deal)
    world.pull(source)
    [result] = [r for r in world.quote_requests(source) if r.deal_id == deal.id]
    assert result.outcome == "quoted", result.reason
    report = world.push(source)
    assert report.status == "ok" and report.dead_lettered == 0, report.as_dict()
    with new_session(world.engine) as session:
        return session.exec(select(Quote).where(Quote.deal_id == deal.id)).one()


def retries_due_now(engine: Engine) -> None:
    """The backoff of every pending outbox event has passed (its retry is due)."""
    with new_session(engine) as session:
        session.execute(
            update(OutboxEvent)
            .where(col(OutboxEvent.status) == PENDING)
            .values(next_attempt_at=utcnow())
        )
        session.commit()


def order_lines(engine: Engine, number: str) -> list[OrderLine]:
    """The core's lines of order ``number``, by line number."""
    with new_session(engine) as session:
        order = session.exec(select(Order).where(Order.number == number)).one()
        return list(
            session.exec(
                select(OrderLine)
                .where(OrderLine.order_id == order.id)
                .order_by(col(OrderLine.line_no))
            )
        )
