"""The demo's closing summary: the figures of the story and the command that opens the UI."""

from __future__ import annotations

from collections import Counter

import dagster as dg
from rich import box
from rich.console import Console
from rich.table import Table

from channelsync.demo.order_flow import OrderOutcome
from channelsync.demo.quote_step import QuotedDeal
from channelsync.demo.render import money

Rows = list[tuple[str, str]]


def story_rows(
    pulled: dict[str, dict[str, int]], quoted: list[QuotedDeal], orders: list[OrderOutcome]
) -> Rows:
    """The figures of the story as (what, figures) rows, read while its session is open."""
    rows: Rows = []
    read: Counter[str] = Counter()
    changed: Counter[str] = Counter()
    for key, figures in pulled.items():
        if key.startswith("crm/"):
            conn = key.split("/")[1]
            read[conn] += figures.get("read", 0)
            changed[conn] += figures.get("created", 0) + figures.get("updated", 0)
    for conn in sorted(read):
        rows.append(
            (f"pulled from {conn}", f"{read[conn]} read, {changed[conn]} created or updated")
        )
    for q in quoted:
        approvers = ", ".join(f"{a.side} {a.role}" for a in q.approvals) or "none needed"
        rows.append(
            (
                f"quote {q.quote.number}",
                f"{q.connection} deal {q.deal.crm_id}, "
                f"{money(q.quote.resale_total, q.quote.currency)} {q.quote.currency}, "
                f"approved by {approvers}",
            )
        )
    for o in orders:
        rows.append(
            (
                f"order {o.order_number}",
                f"{o.status}, {len(o.licenses)} license(s), invoice {o.invoice_number} paid",
            )
        )
    return rows


def summary_table(rows: Rows, webhooks: int, refused: int, instance: dg.DagsterInstance) -> Table:
    """The story's rows, the webhooks the PRM received, and the runs stored on the instance."""
    table = Table(title="channelsync demo", box=box.SIMPLE_HEAD, title_justify="left")
    table.add_column("what")
    table.add_column("figures")
    for row in rows:
        table.add_row(*row)
    table.add_row("PRM webhooks", f"{webhooks} received and verified, {refused} refused")
    runs = Counter(r.status.value for r in instance.get_runs())
    table.add_row("Dagster runs", ", ".join(f"{n} {s.lower()}" for s, n in sorted(runs.items())))
    return table


def print_summary(
    rows: Rows, webhooks: int, refused: int, instance: dg.DagsterInstance, console: Console
) -> None:
    """The summary table and the command that opens the UI on the same instance."""
    console.rule("summary")
    console.print(summary_table(rows, webhooks, refused, instance))
    console.print("Open the runs, assets and checks in the Dagster UI: [bold]channelsync ui[/]")
