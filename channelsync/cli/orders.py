"""``channelsync orders``: list, show and export orders, and deliver pending order e-mails."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table
from sqlmodel import Session

from channelsync.cli.user_files import check_writable, write_text
from order_core.actors import Actor
from order_core.db import make_engine, session_scope
from order_core.errors import DomainError
from order_core.fulfillment.details import order_details
from order_core.notifications.delivery import deliver_pending_notifications
from order_core.orders.export import export_order_lines_csv, export_orders_csv
from order_core.orders.queries import OrderFilter, search_orders
from order_core.settings import get_settings

app = typer.Typer(help="Orders: search, details, CSV export, notifications.", no_args_is_help=True)
_ACTOR = Actor.system("cli")


@contextmanager
def _session() -> Iterator[Session]:
    """A session on the configured database; its engine (and pool) is closed afterwards."""
    settings = get_settings()
    engine = make_engine(settings.database_url, echo=settings.sql_echo)
    try:
        with session_scope(engine) as session:
            yield session
    finally:
        engine.dispose()


@app.command("list")
def list_orders(
    partner: int = typer.Option(..., "--partner", help="Partner id."),
    customer: str | None = typer.Option(
        None, "--customer", help="End customer name or e-mail (part)."
    ),
    status: str | None = typer.Option(None, "--status", help="Order status, e.g. submitted."),
    po: str | None = typer.Option(None, "--po", help="PO number (part)."),
    sku: str | None = typer.Option(None, "--sku", help="Orders containing this SKU."),
    page: int = typer.Option(1, "--page", min=1),
    page_size: int = typer.Option(25, "--page-size", min=1, max=500),
) -> None:
    """List a partner's orders, newest first."""
    criteria = OrderFilter(
        partner_id=partner, customer=customer, status=status, po_number=po, sku=sku
    )
    with _session() as session:
        result = search_orders(
            criteria, session=session, actor=_ACTOR, page=page, page_size=page_size
        )
        table = Table(
            title=f"Orders of partner {partner} (page {result.page}/{result.pages}, {result.total} in all)"
        )
        for column in ("number", "created", "status", "PO", "total", "payment"):
            table.add_column(column)
        for o in result.items:
            table.add_row(
                o.number,
                o.created_at.strftime("%Y-%m-%d %H:%M"),
                o.status,
                o.po_number or "",
                f"{o.net_total:,.2f} {o.currency}",
                o.payment_method,
            )
        Console().print(table)


@app.command("show")
def show(number: str = typer.Argument(..., help="Order number, e.g. SO-000042.")) -> None:
    """Show one order: header, lines, history, approvals, licenses and invoices."""
    console = Console()
    with _session() as session:
        d = order_details(number, session=session, actor=_ACTOR)
        o = d.order
        console.print(
            f"[bold]{o.number}[/] {o.status}  partner {o.partner_id}  buyer {o.buyer_id}  "
            f"PO {o.po_number or '-'}  {o.payment_method}"
        )
        if d.end_customer is not None:
            console.print(f"end customer: {d.end_customer.name} <{d.end_customer.email or '-'}>")
        lines = Table(title="Lines")
        for column in ("#", "SKU", "name", "qty", "unit", "total"):
            lines.add_column(column)
        for ln in d.lines:
            lines.add_row(
                str(ln.line_no),
                ln.sku,
                ln.name,
                str(ln.quantity),
                f"{ln.unit_net:,.2f}",
                f"{ln.line_total:,.2f}",
            )
        console.print(lines)
        console.print(
            f"total {o.net_total:,.2f} {o.currency} (estimated tax {o.tax_estimate:,.2f})"
        )
        history = Table(title="History")
        for column in ("at", "from", "to", "by", "note"):
            history.add_column(column)
        for h in d.history:
            history.add_row(
                h.at.strftime("%Y-%m-%d %H:%M:%S"),
                h.from_status or "",
                h.to_status,
                h.actor,
                h.note,
            )
        console.print(history)
        for a in d.approvals:
            console.print(f"approval {a.step}: {a.status} {a.decided_by or ''} {a.note}")
        for lic in d.licenses:
            console.print(f"license {lic.sku} x{lic.seats} {lic.status}: {lic.key}")
        for inv in d.invoices:
            console.print(
                f"invoice {inv.number} {inv.status} {inv.total:,.2f} {inv.currency} due {inv.due_on}"
            )


@app.command("export")
def export(
    partner: int = typer.Option(..., "--partner", help="Partner id."),
    out: Path = typer.Option(..., "--out", help="CSV file to write."),
    lines: bool = typer.Option(
        False, "--lines", help="One row per order line instead of per order."
    ),
    status: str | None = typer.Option(None, "--status"),
    customer: str | None = typer.Option(None, "--customer"),
) -> None:
    """Write a partner's orders (or their lines) to a CSV file."""
    check_writable(out, "orders CSV")
    criteria = OrderFilter(partner_id=partner, status=status, customer=customer)
    with _session() as session:
        fn = export_order_lines_csv if lines else export_orders_csv
        text = fn(criteria, session=session, actor=_ACTOR)
    write_text(out, text, "orders CSV")
    Console().print(f"wrote {max(0, text.count(chr(10)) - 1)} rows to {out}")


@app.command("notify")
def notify(limit: int = typer.Option(100, "--limit", min=1)) -> None:
    """Deliver pending e-mails (orders, quotes, approvals) through the configured SMTP server.

    Exits non-zero when any message could not be sent; those stay pending and are retried.
    """
    settings = get_settings()
    with _session() as session:
        report = deliver_pending_notifications(session, settings, limit=limit)
    console = Console()
    console.print(f"sent {report.sent}, failed {report.failed} ({report.recipients} recipients)")
    for error in report.errors[1:]:
        console.print(f"not sent: {error}", markup=False)
    if report.failed:
        raise DomainError(
            f"{report.failed} of {report.sent + report.failed} e-mail(s) not sent "
            f"({report.error}); for an SMTP failure check CHANNELSYNC_SMTP_HOST and "
            f"CHANNELSYNC_SMTP_PORT (now {settings.smtp_host}:{settings.smtp_port}) and the other "
            "CHANNELSYNC_SMTP_* settings, for a recipient the vendor staff directory or the "
            "partner's buyers, then run `channelsync orders notify` again (failed messages stay "
            "in the outbox)"
        )
