"""Rich tables of the demo's steps, narrow enough for an 80-column terminal without colours."""

from __future__ import annotations

import json
from collections.abc import Sequence
from decimal import Decimal

from rich import box
from rich.table import Table

from order_core.credit.services import CreditStatus
from order_core.licenses.models import License
from order_core.orders.models import OrderApproval, OrderStatusChange
from order_core.quotes.margin import ResellerQuoteView
from order_core.quotes.models import ApprovalRequest, Quote, QuoteLine
from quote_engine.money import round_money
from quote_engine.types import PricingStep

# Short names of the waterfall steps; in the compact trace rounding is implied by the amounts.
_STEP_LABELS = {
    "list_price": "list",
    "buy_price": "buy",
    "distributor_terms": "distributor",
    "deal_registration": "deal reg",
    "volume_break": "volume",
    "promotion_rule": "promotion",
    "special_price": "special",
    "floor_guard": "floor",
    "header_discount": "header",
}
_WATERFALL = {step.value: i for i, step in enumerate(PricingStep)}


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


def compact_trace(steps: Sequence[dict[str, str]], currency: str) -> str:
    """A line's price waterfall in one string: ``list 1,200.00 → buy 840.00 → …`` (no-op steps left out)."""
    parts: list[str] = []
    for step in steps:
        name = step["step"]
        after, before = Decimal(step["after"]), Decimal(step["before"])
        if name == "rounding" or (name != "list_price" and after == before):
            continue
        label = _STEP_LABELS.get(name, name.replace("_", " "))
        parts.append(f"{label} {money(after, currency)}")
    return " → ".join(parts)


def trace_table(quote: Quote) -> Table:
    """Each line's price trace (unit price after each waterfall step), from the quote's stored content."""
    priced = json.loads(quote.content)["priced"]
    table = _table("price trace (unit price after each step)", "sku", "waterfall")
    for line in priced["lines"]:
        table.add_row(line["sku"], compact_trace(line["trace"], quote.currency))
    return table


def totals_table(quote: Quote) -> Table:
    """List total, what each waterfall step took off, net total and the largest line discount."""
    totals = json.loads(quote.content)["priced"]["totals"]
    cur = quote.currency
    table = _table(f"totals ({cur})", "", "amount", right=("amount",))
    table.add_row("list total", money(Decimal(totals["list_total"]), cur))
    discounts: dict[str, str] = totals["discounts_by_step"]
    # Stored content has sorted keys: show the steps in waterfall order, rounding included, so
    # the rows add up to the net total.
    for step in sorted(discounts, key=lambda s: _WATERFALL.get(s, len(_WATERFALL))):
        amount = Decimal(discounts[step])
        if amount:
            label = _STEP_LABELS.get(step, step.replace("_", " "))
            table.add_row(f"  {label}", money(-amount, cur))
    table.add_row("net total", money(quote.net_total, cur), style="bold")
    table.add_row("largest line discount", f"{quote.max_line_discount_pct}%")
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


def outbox_table(rows: Sequence[tuple[str, int, int]]) -> Table:
    """Outbox events by topic: written by this run, and pending delivery in total."""
    table = _table(
        "outbox events by topic",
        "topic",
        "this run",
        "pending",
        right=("this run", "pending"),
    )
    for topic, this_run, pending in rows:
        table.add_row(topic, str(this_run), str(pending))
    return table


def margin_table(view: ResellerQuoteView) -> Table:
    """The reseller's view: what it pays the vendor, what the end customer pays it, the margin."""
    cur = view.currency
    table = _table(
        f"quote {view.number}: resale to the end customer ({cur})",
        "sku",
        "qty",
        "buy",
        "unit resale",
        "resale",
        "margin",
        right=("qty", "buy", "unit resale", "resale", "margin"),
    )
    for line in view.lines:
        table.add_row(
            line.sku,
            str(line.quantity),
            money(line.buy_total, cur),
            money(line.unit_resale, cur),
            money(line.resale_total, cur),
            money(line.margin, cur),
        )
    percent = f" ({view.margin_percent}%)" if view.margin_percent is not None else ""
    table.add_row(
        "total", "", money(view.buy_total, cur), "", money(view.resale_total, cur),
        money(view.margin, cur) + percent,
    )  # fmt: skip
    return table
