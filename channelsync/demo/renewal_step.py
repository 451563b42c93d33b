"""Demo step 4: the renewal run gives the subscriptions of the demo's orders their renewal quotes
and e-mails the notices (to the demo's SMTP sink); the end customer follows the link in its notice
to the self-renew page (the demo's web app, over HTTP) and renews; the renewal orders are
placed under the reseller of record, and the vendor accepts, fulfils and invoices them.

The subscriptions start today for a year, so no notice window is open yet: the demo runs the
``renewals`` partition of the day the first window opens (90 days before the end, by default),
the run the daily schedule makes on that day.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from urllib.parse import unquote, urljoin, urlsplit

import httpx
from rich.console import Console
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from channelsync.demo.cast import FINANCE, READER, SALES_OPS, Cast
from channelsync.demo.mail_sink import MailSink
from channelsync.demo.orchestra import Orchestra
from channelsync.demo.order_flow import clear_for_acceptance
from channelsync.demo.render import money
from dagster_defs.periodic import RENEWALS
from order_core.customers.models import EndCustomer
from order_core.fulfillment.details import order_details
from order_core.fulfillment.services import accept_order, fulfill_order
from order_core.invoices.services import record_payment
from order_core.licenses.models import Subscription
from order_core.orders.models import Order
from order_core.partners.buyers import list_buyers
from order_core.partners.models import Partner
from order_core.renewals.models import Renewal
from order_core.settings import get_settings

Figures = dict[str, object]
_LINK = re.compile(r"(https?://\S+?/renewals/([^/?\s]+)\?token=\S+)")
_HIDDEN = re.compile(r'<input type="hidden" name="(\w+)" value="([^"]*)">')


@dataclass(frozen=True)
class Renewed:
    """One renewal the end customer took: its quote, the renewal order and its invoice."""

    reference: str
    order_number: str
    status: str
    invoice_number: str
    resale_total: str  # as shown, with the currency
    new_term_end: date


@dataclass
class RenewalOutcome:
    """What step 4's renewals did: the run's day and figures, the notices, the renewals taken."""

    as_of: date
    figures: Figures
    notices: int = 0
    mails: int = 0
    renewed: list[Renewed] = field(default_factory=list)


def renewal_day(session: Session, order_numbers: list[str]) -> date:
    """The day the first notice window opens for the subscriptions of ``order_numbers``."""
    subs = session.exec(
        select(Subscription)
        .join(Order, col(Order.id) == col(Subscription.order_id))
        .where(col(Order.number).in_(order_numbers), Subscription.status == "active")
    )
    ends = [s.term_end for s in subs]
    if not ends:
        raise RuntimeError("the demo's orders made no subscription to renew")
    return min(ends) - timedelta(days=max(get_settings().renewal_notice_days))


def _customer_name(engine: Engine, reference: str) -> str:
    """Who renews for the end customer of renewal ``reference`` (as on its notice)."""
    with Session(engine) as session:
        renewal = session.exec(select(Renewal).where(Renewal.reference == reference)).first()
        customer_id = renewal.end_customer_id if renewal is not None else None
        customer = session.get(EndCustomer, customer_id) if customer_id is not None else None
        return f"{customer.name} purchasing" if customer is not None else "the customer"


def customer_renews(engine: Engine, sink: MailSink, console: Console) -> list[str]:
    """The end customer opens each renewal notice's link (on the demo's web app) and renews, as
    in a browser (its cookie, the form's hidden fields); the references renewed."""
    done = []
    with httpx.Client(follow_redirects=False, timeout=30) as browser:
        for mail in sink.received:
            found = _LINK.search(mail.text())
            if found is None:
                continue
            link, reference = found[1], unquote(found[2])
            page = browser.get(link)
            fields = {k: html.unescape(v) for k, v in _HIDDEN.findall(page.text)}
            form = {**fields, "name": _customer_name(engine, reference), "email": mail.to[0]}
            answer = browser.post(urljoin(link, f"{urlsplit(link).path}/renew"), data=form)
            renewed = answer.status_code == 303 and "Subscription renewed" in browser.get(link).text
            console.print(
                f"{mail.to[0]} opened the self-renew link of {reference} (page {page.status_code})"
                + (" and renewed" if renewed else f"; renewing was refused ({answer.status_code})")
            )
            if renewed:
                done.append(reference)
    return done


def _cast(session: Session, renewal: Renewal, order: Order) -> Cast:
    """The renewal order's reseller, its buyers and the end customer, for the approvals."""
    partner = session.get(Partner, renewal.partner_id)
    buyers = tuple(list_buyers(renewal.partner_id, session=session, actor=READER))
    customer = session.get(EndCustomer, order.end_customer_id)
    assert partner is not None and customer is not None and buyers
    buyer = next((b for b in buyers if b.id == order.buyer_id), buyers[0])
    return Cast(partner=partner, buyer=buyer, buyers=buyers, customer=customer)


def complete_renewal_order(session: Session, renewal: Renewal) -> Renewed:
    """The vendor accepts, fulfils and invoices the renewal order; the reseller pays it."""
    assert renewal.order_id is not None
    order = session.get(Order, renewal.order_id)
    assert order is not None
    number = order.number
    clear_for_acceptance(session, _cast(session, renewal, order), number)
    accept_order(number, session=session, actor=SALES_OPS, note="renewal accepted")
    fulfill_order(number, session=session, actor=SALES_OPS, note="renewed licenses delivered")
    invoice = order_details(number, session=session, actor=READER).invoices[-1]
    record_payment(
        invoice.number,
        invoice.total - invoice.amount_paid,
        session=session,
        actor=FINANCE,
        reference=f"WIRE-{number}",
    )
    details = order_details(number, session=session, actor=READER)
    shown = f"{money(renewal.resale_total, renewal.currency)} {renewal.currency}"
    return Renewed(
        renewal.reference, number, details.order.status, invoice.number, shown,
        renewal.new_term_end,
    )  # fmt: skip


def _run_day(orchestra: Orchestra, day: date) -> Figures:
    result = orchestra.run("renewals_job", tags={"dagster/partition": day.isoformat()})
    (event,) = result.get_asset_materialization_events()
    return {k: v.value for k, v in event.materialization.metadata.items()}


def run_renewal_step(
    orchestra: Orchestra,
    engine: Engine,
    sink: MailSink,
    order_numbers: list[str],
    console: Console,
) -> RenewalOutcome:
    """Step 4's renewals for the subscriptions of ``order_numbers``, printed as they happen."""
    with Session(engine) as session:
        day = renewal_day(session, order_numbers)
    figures = _run_day(orchestra, day)
    outcome = RenewalOutcome(day, figures)
    console.print(
        f"{RENEWALS.to_user_string()} {day} (the first notice window of the demo's "
        f"subscriptions): {figures['checked']} subscription(s) checked, "
        f"{figures['renewals_created']} renewal quote(s), {figures['notices_sent']} notice(s)"
    )
    with Session(engine) as session:
        outcome.mails = sink.deliver(session)
    outcome.notices = sum(1 for m in sink.received if _LINK.search(m.text()))
    console.print(
        f"{outcome.mails} e-mail(s) delivered to the demo's SMTP sink, "
        f"{outcome.notices} of them renewal notices with a self-renew link"
    )
    references = customer_renews(engine, sink, console)
    with Session(engine) as session:
        for reference in references:
            renewal = session.exec(select(Renewal).where(Renewal.reference == reference)).one()
            done = complete_renewal_order(session, renewal)
            outcome.renewed.append(done)
            console.print(
                f"renewal {done.reference}: order {done.order_number} under the reseller of "
                f"record, {done.status}, invoice {done.invoice_number}; the customer pays "
                f"{done.resale_total}, the term runs to {done.new_term_end}"
            )
    return outcome
