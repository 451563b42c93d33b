"""Demo step 4: the order the accepted quote created goes through the vendor: accepted (licenses),
fulfilled (invoice, charged to the line of credit) and paid; its history and credit are shown.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from rich.console import Console
from sqlmodel import Session

from channelsync.demo.cast import CREDIT_CONTROLLER, FINANCE, READER, SALES_OPS, Cast, vendor_staff
from channelsync.demo.render import (
    credit_table,
    history_table,
    licenses_table,
    money,
    order_approvals_table,
)
from order_core.credit.services import CreditStatus, get_credit_status
from order_core.fulfillment.details import order_details
from order_core.fulfillment.services import accept_order, fulfill_order
from order_core.invoices.render import render_invoice_html, render_invoice_pdf
from order_core.invoices.services import record_payment
from order_core.licenses.models import License
from order_core.licenses.services import licenses_for_order
from order_core.orders.approvals import approve_credit, approve_order
from order_core.orders.states import OrderStatus


@dataclass(frozen=True)
class OrderOutcome:
    """What step 4 produced: the paid order, its licenses and its invoice document."""

    order_number: str
    status: str
    licenses: list[License]
    invoice_number: str
    invoice_file: Path


def _credit(session: Session, cast: Cast) -> CreditStatus:
    return get_credit_status(cast.partner_id, session=session, actor=READER)


def clear_for_acceptance(session: Session, cast: Cast, number: str) -> None:
    """Decide what still stands between the order and ``submitted``.

    With the default policy the quote's approvals cover the order and the credit line has room,
    so nothing is left; this only acts when an approval policy or earlier, unfinished runs (credit
    still held) ask for more: the next approver approves, or the credit desk raises the limit.
    """
    for _ in range(10):  # each pass decides one step; a policy has far fewer
        details = order_details(number, session=session, actor=READER)
        order = details.order
        if order.status == OrderStatus.PENDING_APPROVAL:
            step = next(s for s in details.approvals if s.status == "pending")
            actor = (
                cast.partner_approver(session, step.role)
                if step.side == "partner"
                else vendor_staff(step.role)
            )
            approve_order(number, session=session, actor=actor, note="demo approval")
        elif order.status == OrderStatus.CREDIT_REVIEW:
            line = _credit(session, cast)
            shortfall = order.net_total + order.tax_estimate - line.available
            approve_credit(
                number,
                session=session,
                actor=CREDIT_CONTROLLER,
                raise_limit_to=line.credit_limit + max(shortfall, Decimal(0)),
                note="limit raised for the demo order",
            )
        else:
            return


def run_order_steps(
    session: Session,
    console: Console,
    cast: Cast,
    number: str,
    credit_before: CreditStatus,
    out_dir: Path,
) -> OrderOutcome:
    """Step 4 of the demo, printed as it happens."""
    console.rule(f"order {number}: vendor accepts, fulfils, invoices; partner pays")
    clear_for_acceptance(session, cast, number)
    details = order_details(number, session=session, actor=READER)
    if details.approvals:
        console.print(order_approvals_table(f"order {number} approvals", details.approvals))
    placed = _credit(session, cast)
    accept_order(number, session=session, actor=SALES_OPS, note="accepted by sales ops")
    licenses = licenses_for_order(number, session=session, actor=READER)
    console.print(licenses_table(licenses))
    fulfill_order(number, session=session, actor=SALES_OPS, note="licenses delivered")
    invoice = order_details(number, session=session, actor=READER).invoices[-1]
    invoice_file = out_dir / f"invoice-{invoice.number}.html"
    invoice_file.write_text(
        render_invoice_html(invoice.number, session=session, actor=READER), encoding="utf-8"
    )
    invoice_pdf = invoice_file.with_suffix(".pdf")
    invoice_pdf.write_bytes(render_invoice_pdf(invoice.number, session=session, actor=READER))
    console.print(
        f"invoice {invoice.number} (vendor to reseller, at buy price): "
        f"{money(invoice.total, invoice.currency)} {invoice.currency} "
        f"due {invoice.due_on}; written to {invoice_file} and .pdf"
    )
    invoiced = _credit(session, cast)
    invoice = record_payment(
        invoice.number,
        invoice.total - invoice.amount_paid,
        session=session,
        actor=FINANCE,
        reference=f"WIRE-{number}",
    )
    console.print(f"payment recorded: invoice {invoice.number} is [bold]{invoice.status}[/]")
    details = order_details(number, session=session, actor=READER)
    console.print(history_table(number, details.history))
    snapshots = [
        ("before", credit_before),
        ("ordered", placed),
        ("invoiced", invoiced),
        ("paid", _credit(session, cast)),
    ]
    console.print(credit_table(cast.partner.name, snapshots))
    return OrderOutcome(number, details.order.status, licenses, invoice.number, invoice_file)
