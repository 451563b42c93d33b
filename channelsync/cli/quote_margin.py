"""``channelsync quote margin QUOTE_NUMBER``: the reseller's buy and resale prices and its margin."""

from __future__ import annotations

from decimal import Decimal

import typer
from rich.console import Console
from rich.table import Table

from order_core.actors import Actor
from order_core.db import make_engine, session_scope
from order_core.quotes.margin import ResellerQuoteView, reseller_quote_view
from order_core.quotes.services import get_quote_by_number
from order_core.settings import get_settings
from quote_engine.money import round_money


def margin_view_table(view: ResellerQuoteView) -> Table:
    """Per line: quantity, buy total, unit resale, resale total, margin and how the price was set."""
    cur = view.currency
    table = Table(title=f"quote {view.number} v{view.version}: buy, resale and margin ({cur})")
    for column in (
        "sku",
        "qty",
        "buy",
        "unit resale",
        "resale",
        "margin",
        "margin %",
        "price set by",
    ):
        table.add_column(column, justify="left" if column in ("sku", "price set by") else "right")

    def m(value: Decimal) -> str:
        return f"{round_money(value, cur):,}"

    for line in view.lines:
        table.add_row(
            line.sku,
            str(line.quantity),
            m(line.buy_total),
            m(line.unit_resale),
            m(line.resale_total),
            m(line.margin),
            f"{line.margin_percent}%" if line.margin_percent is not None else "-",
            line.basis,
        )
    table.add_row(
        "total", "", m(view.buy_total), "", m(view.resale_total), m(view.margin),
        f"{view.margin_percent}%" if view.margin_percent is not None else "-", "", style="bold",
    )  # fmt: skip
    return table


def margin(
    quote_number: str = typer.Argument(..., help="Quote number, e.g. Q-000001"),
    version: int | None = typer.Option(None, "--version", help="Quote version (default: latest)"),
) -> None:
    """Show a quote's buy price, resale price and margin per line and in total (the reseller's view)."""
    settings = get_settings()
    engine = make_engine(settings.database_url, echo=settings.sql_echo)
    actor = Actor.system("cli")
    try:
        with session_scope(engine) as session:
            quote = get_quote_by_number(quote_number, version=version, session=session, actor=actor)
            assert quote.id is not None
            view = reseller_quote_view(quote.id, session=session, actor=actor)
    finally:
        engine.dispose()
    Console().print(margin_view_table(view))


def register(app: typer.Typer) -> None:
    """Add the ``margin`` command to the ``quote`` command group."""
    app.command("margin")(margin)
