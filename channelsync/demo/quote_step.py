"""Demo step 2: a sales rep flags a deal "quote requested" in each CRM, with a large discount on
one line; the pull brings the flag, the quote-request sensor asks for one run per deal, and each
run makes a priced quote that waits for approval; the approvers approve it.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from rich.console import Console
from sqlmodel import Session, col, select

from channelsync.demo.cast import READER, Cast, vendor_staff
from channelsync.demo.crm import DemoCrms
from channelsync.demo.orchestra import Orchestra
from channelsync.demo.render import approvals_table, priced_lines_table
from order_core.actors import Actor
from order_core.catalog.authorization import authorized_product_ids
from order_core.catalog.models import Product
from order_core.customers.models import EndCustomer
from order_core.deals.models import Deal, DealLine
from order_core.partners.buyers import list_buyers
from order_core.partners.models import Partner
from order_core.quotes.decisions import decide_approval, quote_approvals
from order_core.quotes.models import ApprovalRequest, DealQuoteRequest, Quote
from order_core.quotes.services import quote_lines
from order_core.settings import get_settings

#: The discounts the rep asks for on one line: above what the partner may give without the desk
#: (the first that differs from the line's, so a re-run on the same core changes the deal again).
DISCOUNTS = (Decimal("35"), Decimal("40"))


@dataclass(frozen=True)
class QuotedDeal:
    """One connection's flagged deal and the quote its request produced, after the approvals."""

    connection: str
    deal: Deal
    quote: Quote
    approvals: list[ApprovalRequest]
    cast: Cast


def _quotable(session: Session, deal: Deal) -> DealLine | None:
    """The deal's first line if every line's product is in the catalog and the deal has a
    partner with buyers and an end customer (what a quote and an order need), else None."""
    if deal.partner_id is None or deal.end_customer_id is None or deal.deleted_in_crm:
        return None
    lines = list(
        session.exec(select(DealLine).where(DealLine.deal_id == deal.id).order_by(col(DealLine.id)))
    )
    skus = {line.sku for line in lines}
    products = set(session.exec(select(Product.id).where(col(Product.sku).in_(sorted(skus)))))
    allowed = authorized_product_ids(session, deal.partner_id)
    if not lines or len(products) < len(skus) or products - allowed:
        return None
    customer = session.get(EndCustomer, deal.end_customer_id)
    if customer is None or customer.country not in get_settings().tax_rates:
        return None  # an order needs a tax rate for the customer's country

    return lines[0] if list_buyers(deal.partner_id, session=session, actor=READER) else None


def pick_deal(session: Session, connection: str) -> tuple[Deal, DealLine]:
    """The first deal of ``connection`` that can be quoted and ordered end to end (one never
    quoted before, if there is one)."""
    quoted = set(session.exec(select(DealQuoteRequest.deal_id)))
    deals = session.exec(select(Deal).where(Deal.source == connection).order_by(col(Deal.id)))
    for deal in sorted(deals, key=lambda d: d.id in quoted):
        line = _quotable(session, deal)
        if line is not None:
            return deal, line
    raise RuntimeError(f"the {connection} sandbox seed has no deal the demo can quote")


def _cast(session: Session, deal: Deal, quote: Quote) -> Cast:
    assert deal.partner_id is not None and deal.end_customer_id is not None
    partner = session.get(Partner, deal.partner_id)
    customer = session.get(EndCustomer, deal.end_customer_id)
    buyers = tuple(list_buyers(deal.partner_id, session=session, actor=READER))
    buyer = next((b for b in buyers if b.id == quote.buyer_id), buyers[0])
    assert partner is not None and customer is not None
    return Cast(partner=partner, buyer=buyer, buyers=buyers, customer=customer)


def _approver(session: Session, cast: Cast, request: ApprovalRequest) -> Actor:
    if request.side == "partner":
        named = request.delegated_buyer_id or request.approver_buyer_id
        return cast.partner_approver(session, request.role, named)
    return vendor_staff(request.role)


def approve(session: Session, cast: Cast, quote: Quote) -> list[ApprovalRequest]:
    """Each required approver approves the quote, in step order."""
    assert quote.id is not None
    for request in quote_approvals(quote.id, session=session, actor=READER):
        if request.decision == "pending" and request.id is not None:
            decide_approval(
                request.id,
                True,
                session=session,
                actor=_approver(session, cast, request),
                comment="discount agreed for the registered deal",
            )
    return quote_approvals(quote.id, session=session, actor=READER)


def _amount(deal: Deal, discount: Decimal) -> Decimal:
    """The deal's amount as the rep updates it with the discount (it differs per discount, so
    the deal itself changes in the CRM on every request)."""
    base = deal.amount or Decimal("10000")
    return (base * (100 - discount) / 100).quantize(Decimal("0.01"))


def request_quotes(crms: DemoCrms, orchestra: Orchestra, session: Session) -> list[str]:
    """Flag one deal per connection in its CRM, pull the deals and their lines (the sync job, its
    pull assets only), and run ``quote_deal_job`` for each request the sensor finds; the run ids."""
    for name in orchestra.connections:
        deal, line = pick_deal(session, name)
        discount = next(d for d in DISCOUNTS if d != line.discount_percent)
        crms.request_quote(name, deal.crm_id, line.crm_id, discount, _amount(deal, discount))
    session.rollback()  # nothing held open while the jobs run
    orchestra.run("sync_job", assets=orchestra.pull_keys())
    runs = []
    for request in orchestra.quote_requests():
        result = orchestra.run(
            "quote_deal_job",
            config=request.run_config,
            tags={**request.tags, "run_key": request.run_key or ""},
        )
        runs.append(result.run_id)
    return runs


def run_quote_step(
    crms: DemoCrms, orchestra: Orchestra, session: Session, console: Console
) -> list[QuotedDeal]:
    """Step 2, printed as it happens; the quoted deals, approved."""
    console.rule("2. quote requests from the CRMs")
    runs = request_quotes(crms, orchestra, session)
    console.print(
        'a sales rep flagged a deal "quote requested" in each CRM with a large discount on one line; '
        f"the pull brought the flags and the quote-request sensor asked for {len(runs)} "
        "quote_deal_job run(s)"
    )
    quoted = []
    for run_id in runs:
        done = orchestra.instance.get_run_by_id(run_id)
        assert done is not None
        deal_id = int(done.tags["channelsync/deal"])
        request = session.exec(
            select(DealQuoteRequest)
            .where(DealQuoteRequest.deal_id == deal_id)
            .order_by(col(DealQuoteRequest.id).desc())
        ).first()
        deal = session.get(Deal, deal_id)
        assert request is not None and request.quote_id is not None and deal is not None
        quote = session.get(Quote, request.quote_id)
        assert quote is not None and quote.id is not None
        console.print(
            priced_lines_table(quote, quote_lines(quote.id, session=session, actor=READER))
        )
        console.print(
            f"{deal.source} deal {deal.crm_id}: quote {quote.number} is [bold]{quote.state}[/]"
        )
        cast = _cast(session, deal, quote)
        approvals = approve(session, cast, quote)
        session.refresh(quote)
        console.print(approvals_table(f"quote {quote.number} approvals", approvals))
        quoted.append(QuotedDeal(deal.source, deal, quote, approvals, cast))
    return quoted
