"""Rich tables of the demo's steps, narrow enough for an 80-column terminal without colours."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from rich import box
from rich.table import Table

from order_core.credit.services import CreditStatus
from order_core.licenses.models import License
from order_core.orders.models import OrderApproval, OrderStatusChange
from order_core.quotes.models import ApprovalRequest, Quote, QuoteLine
from quote_engine.money import round_money


def money(value: Decimal, currency: str) -> str:
    """An amount in the currency's minor units with thousands separators: ``28,841.45``."""
    return f"{round_money(value, currency):,}"


def _table(
    title: str, *columns: str, right: Sequence[str] = (), whole: Sequence[str] = ()
) -> Table:
    """A borderless table; ``right`` columns are right-aligned, ``whole`` ones never wrap."""
    table = Table(title=title, box=box.SIMPLE_HEAD, title_justify="left", pad_edge=False)
    for column in columns:
        table.add_column(
            column,
            justify="right" if column in right else "left",
            no_wrap=column in whole,
            overflow="ellipsis" if column in whole else "fold",
        )
    return table


def priced_lines_table(quote: Quote, lines: Sequence[QuoteLine]) -> Table:
    """The quote's priced lines: SKU, quantity, unit list and net, discount off list, line total."""
    cur = quote.currency
    table = _table(
        f"quote {quote.number} v{quote.version} ({cur})",
        "#",
        "sku",
        "qty",
        "unit list",
        "unit net",
        "off list",
        "line total",
        right=("qty", "unit list", "unit net", "off list", "line total"),
    )
    for line in lines:
        table.add_row(
            str(line.line_no),
            line.sku,
            str(line.quantity),
            money(line.unit_list, cur),
            money(line.unit_net, cur),
            f"{line.discount_percent}%",
            money(line.line_total, cur),
        )
    return table


def approvals_table(title: str, requests: Sequence[ApprovalRequest]) -> Table:
    """Quote approval steps in order: who had to approve, why, and who decided."""
    table = _table(title, "#", "approver", "why", "decision", whole=("approver", "decision"))
    for request in requests:
        who = f"{request.side} {request.role}"
        decided = f"{request.decision}\n{request.decided_by or ''}".rstrip()
        table.add_row(str(request.step_order), who, request.reason, decided)
    return table


def order_approvals_table(title: str, steps: Sequence[OrderApproval]) -> Table:
    """An order's approval steps (met by the quote's approvals, or decided on the order)."""
    table = _table(title, "step", "status", "decided by")
    for step in steps:
        table.add_row(f"{step.side} {step.role}", step.status, step.decided_by or "")
    return table


def history_table(number: str, history: Sequence[OrderStatusChange]) -> Table:
    """An order's status history: time (UTC), status entered, actor and note."""
    table = _table(
        f"order {number} status history",
        "at (UTC)",
        "status",
        "by",
        "note",
        whole=("status", "by"),
    )
    for entry in history:
        table.add_row(entry.at.strftime("%H:%M:%S"), entry.to_status, entry.actor, entry.note)
    return table


def credit_table(partner: str, snapshots: Sequence[tuple[str, CreditStatus]]) -> Table:
    """The partner's line of credit at several moments, one column per moment."""
    currency = snapshots[0][1].currency if snapshots else ""
    names = [name for name, _ in snapshots]
    table = _table(f"line of credit of {partner} ({currency})", "", *names, right=names)
    for field in ("credit_limit", "held", "outstanding", "available"):
        values = [money(getattr(status, field), status.currency) for _, status in snapshots]
        table.add_row(field.replace("_", " "), *values)
    return table


def truncated_key(key: str, keep: int = 17) -> str:
    """A license key cut to its first ``keep`` characters (the full key is in the database)."""
    return key if len(key) <= keep else f"{key[:keep]}…"


def licenses_table(licenses: Sequence[License]) -> Table:
    """Issued license keys (truncated), seats and term."""
    table = _table("licenses issued", "sku", "type", "seats", "term end", "key", right=("seats",))
    for lic in licenses:
        end = lic.term_end.isoformat() if lic.term_end else "perpetual"
        table.add_row(lic.sku, lic.license_type, str(lic.seats), end, truncated_key(lic.key))
    return table
