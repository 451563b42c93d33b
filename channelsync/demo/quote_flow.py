"""Demo steps 1-3: a deal registration from the CRM, a quote with a special price, its approvals,
sending the document and the end customer's acceptance, which creates the order.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from rich.console import Console
from sqlmodel import Session

from channelsync.demo.cast import ACCEPTANCE_LINK, CRM_SYNC, READER, Cast, vendor_staff
from channelsync.demo.render import (
    approvals_table,
    margin_table,
    money,
    priced_lines_table,
    totals_table,
    trace_table,
)
from order_core.actors import Actor
from order_core.deals.models import Deal
from order_core.deals.services import DealValue, upsert_deal
from order_core.orders.models import Order
from order_core.pricing_inputs.builder import QuoteLineInput
from order_core.quotes.acceptance import accept_quote
from order_core.quotes.approvals import submit_quote
from order_core.quotes.decisions import decide_approval, quote_approvals
from order_core.quotes.margin import reseller_quote_view
from order_core.quotes.models import ApprovalRequest, Quote
from order_core.quotes.resale_invoice import customer_invoice_pdf
from order_core.quotes.sending import render_quote_pdf, send_quote
from order_core.quotes.services import create_quote_from_deal, quote_lines
from order_core.types import utcnow

DEAL_SOURCE = "salesforce"
DEAL_CRM_ID = "006CS0000000DEMO01"
# 25 platform seats, 10 security devices at a requested special price, 20 support subscriptions:
# the total is above the buyer's spending limit (the partner's approver decides) and the special
# price is over 20% below the partner's buy price (the vendor's pricing desk decides).
QUOTE_LINES = (
    QuoteLineInput("CS-PLA-001", 25),
    QuoteLineInput("CS-SEC-001", 10, requested_unit_price=Decimal("480.00")),
    QuoteLineInput("CS-SUP-001", 20),
)


@dataclass(frozen=True)
class QuoteOutcome:
    """What steps 1-3 produced: the deal, the accepted quote, its document and the order number."""

    deal: Deal
    deal_outcome: str
    quote: Quote
    approvals: list[ApprovalRequest]
    document: Path
    order_number: str


def register_deal(session: Session, cast: Cast) -> tuple[Deal, str]:
    """Upsert the demo's approved deal registration as the CRM sync does (same CRM id every run)."""
    assert cast.customer.id is not None
    today = utcnow().date()
    values: dict[str, DealValue] = {
        "kind": "registration",
        "partner_id": cast.partner_id,
        "end_customer_id": cast.customer.id,
        "name": f"{cast.customer.name} platform rollout",
        "stage": "Proposal/Price Quote",
        "amount": Decimal("30000.00"),
        "currency": cast.partner.currency,
        "close_date": today + timedelta(days=30),
        "registration_status": "approved",
        "registration_expires_on": today + timedelta(days=90),
        "registration_discount_percent": Decimal("5"),
        "quote_requested": True,
    }
    return upsert_deal(DEAL_SOURCE, DEAL_CRM_ID, values, session=session, actor=CRM_SYNC)


def _approver(session: Session, cast: Cast, request: ApprovalRequest) -> Actor:
    if request.side == "partner":
        named = request.delegated_buyer_id or request.approver_buyer_id
        return cast.partner_approver(session, request.role, named)
    return vendor_staff(request.role)


def approve_quote(session: Session, quote: Quote, cast: Cast) -> list[ApprovalRequest]:
    """Submit the quote and let each required approver approve it, in step order."""
    assert quote.id is not None
    submit_quote(quote.id, session=session, actor=cast.buyer_actor(session))
    for request in quote_approvals(quote.id, session=session, actor=READER):
        if request.decision == "pending" and request.id is not None:
            decide_approval(
                request.id,
                True,
                session=session,
                actor=_approver(session, cast, request),
                comment="special price agreed for the registered deal",
            )
    return quote_approvals(quote.id, session=session, actor=READER)


def _masked(url: str) -> str:
    """The acceptance link without its token (the token is a secret of the end customer)."""
    base, _, token = url.partition("token=")
    return f"{base}token={token[:4]}…" if token else url


def run_quote_steps(session: Session, console: Console, cast: Cast, out_dir: Path) -> QuoteOutcome:
    """Steps 1-3 of the demo, printed as they happen."""
    console.rule("1. quote from a registered deal")
    deal, outcome = register_deal(session, cast)
    console.print(
        f"deal {deal.source}:{deal.crm_id} [bold]{outcome}[/] by the CRM sync: "
        f"{deal.name!r}, registration {deal.registration_status}, "
        f"{deal.registration_discount_percent}% off"
    )
    assert deal.id is not None
    buyer = cast.buyer_actor(session)
    quote = create_quote_from_deal(deal.id, QUOTE_LINES, session=session, actor=buyer)
    assert quote.id is not None
    console.print(f"{buyer.user} quoted {cast.customer.name}, asking a special price on CS-SEC-001")
    console.print(priced_lines_table(quote, quote_lines(quote.id, session=session, actor=READER)))
    console.print(trace_table(quote))
    console.print(totals_table(quote))
    console.print(margin_table(reseller_quote_view(quote.id, session=session, actor=buyer)))

    console.rule("2. approvals")
    approvals = approve_quote(session, quote, cast)
    console.print(approvals_table(f"quote {quote.number} approvals", approvals))
    console.print(f"quote {quote.number} is [bold]{quote.state}[/]")

    console.rule("3. send, accept, order")
    sent = send_quote(quote.id, session=session, actor=buyer)
    out_dir.mkdir(parents=True, exist_ok=True)
    document = out_dir / f"quote-{quote.number}.html"
    document.write_text(sent.quote.document_html or "", encoding="utf-8")
    pdf = document.with_suffix(".pdf")
    pdf.write_bytes(render_quote_pdf(quote.id, session=session, actor=buyer))
    console.print(f"sent at resale prices; the customer's quote written to {document} and {pdf}")
    console.print(f"acceptance link: {_masked(sent.acceptance_url)}")
    accepted_by = f"{cast.customer.name} purchasing ({cast.customer.email})"
    quote = accept_quote(
        quote.number,
        quote.version,
        sent.token,
        accepted_by,
        session=session,
        actor=ACCEPTANCE_LINK,
        payment_method="credit_line",
    )
    order = session.get(Order, quote.order_id)
    assert order is not None
    invoice = out_dir / f"customer-invoice-{quote.number}.pdf"
    invoice.write_bytes(
        customer_invoice_pdf(
            quote.number, quote.version, sent.token, session=session, actor=ACCEPTANCE_LINK
        )
    )
    console.print(f"the reseller's invoice to the customer written to {invoice}")
    console.print(
        f"quote {quote.number} [bold]{quote.state}[/] by {quote.accepted_by}: "
        f"order {order.number} is [bold]{order.status}[/] "
        f"({money(order.net_total, order.currency)} {order.currency}, {order.payment_method})"
    )
    return QuoteOutcome(deal, outcome, quote, approvals, document, order.number)
