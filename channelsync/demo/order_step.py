"""Demo step 3: each approved quote is sent, the end customer accepts it and the partner's
authorized buyer's order goes to the vendor on the partner's line of credit; the vendor accepts
it (licenses), fulfils and invoices it, and the partner pays. The partner's PRM is subscribed to
the order's webhooks first.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import SecretStr
from rich.console import Console
from sqlmodel import Session

from channelsync.demo.cast import ACCEPTANCE_LINK, CHANNEL_ADMIN, SALES_OPS, ensure_credit_terms
from channelsync.demo.order_flow import OrderOutcome, run_order_steps
from channelsync.demo.quote_step import QuotedDeal
from channelsync.demo.render import money
from order_core.customers.services import update_customer
from order_core.orders.models import Order
from order_core.quotes.acceptance import accept_quote
from order_core.quotes.sending import send_quote
from order_core.webhooks.endpoints import set_partner_webhook


def order_quote(
    session: Session, console: Console, quoted: QuotedDeal, out_dir: Path
) -> OrderOutcome:
    """Send the quote, accept it on credit, and take the order through the vendor."""
    cast, quote = quoted.cast, quoted.quote
    assert quote.id is not None
    credit_before = ensure_credit_terms(session, cast)
    if not cast.customer.email:  # the CRMs do not carry it; the partner's buyer fills it in
        assert cast.customer.id is not None
        email = f"purchasing@{cast.customer.domain or 'customer.example'}"
        update_customer(
            cast.customer.id, {"email": email}, session=session, actor=cast.buyer_actor(session)
        )
    sent = send_quote(quote.id, session=session, actor=SALES_OPS)
    accepted = accept_quote(
        sent.quote.number,
        sent.quote.version,
        sent.token,
        f"{cast.customer.name} purchasing",
        session=session,
        actor=ACCEPTANCE_LINK,
        payment_method="credit_line",
    )
    order = session.get(Order, accepted.order_id)
    assert order is not None
    console.print(
        f"quote {accepted.number} sent and [bold]{accepted.state}[/] by {cast.customer.name}: "
        f"order {order.number} of {cast.partner.name} on its line of credit "
        f"({money(order.net_total, order.currency)} {order.currency})"
    )
    return run_order_steps(session, console, cast, order.number, credit_before, out_dir)


def run_order_step(
    session: Session,
    console: Console,
    quoted: list[QuotedDeal],
    prm_url: str,
    prm_secret: SecretStr,
    out_dir: Path,
) -> list[OrderOutcome]:
    """Step 3 for every quoted deal, printed as it happens; each partner's PRM subscribed first."""
    console.rule("3. orders on credit, licenses, invoices")
    outcomes = []
    for deal in quoted:
        set_partner_webhook(
            deal.cast.partner_id, prm_url, prm_secret, session=session, actor=CHANNEL_ADMIN
        )
        outcomes.append(order_quote(session, console, deal, out_dir))
    return outcomes
