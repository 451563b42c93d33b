"""``channelsync quote render QUOTE_NUMBER --out FILE.html|FILE.pdf``: write a quote's document."""

from __future__ import annotations

from pathlib import Path

import typer

from channelsync.cli.user_files import check_writable, write_bytes, write_text
from order_core.actors import Actor
from order_core.db import make_engine, session_scope
from order_core.quotes.sending import render_quote_document, render_quote_pdf
from order_core.quotes.services import get_quote_by_number
from order_core.settings import get_settings


def render(
    quote_number: str = typer.Argument(..., help="Quote number, e.g. Q-000001"),
    out: Path = typer.Option(..., "--out", help="File to write: .pdf for a PDF, else HTML"),
    version: int | None = typer.Option(
        None, "--version", min=1, help="Quote version (default: latest)"
    ),
) -> None:
    """Render the end customer's quote (as sent, or the current draft) to an HTML or PDF file."""
    check_writable(out, "quote document")
    settings = get_settings()
    engine = make_engine(settings.database_url, echo=settings.sql_echo)
    actor = Actor.system("cli")
    try:
        with session_scope(engine) as session:
            quote = get_quote_by_number(quote_number, version=version, session=session, actor=actor)
            assert quote.id is not None
            if out.suffix.lower() == ".pdf":
                pdf = render_quote_pdf(quote.id, session=session, actor=actor)
            else:
                html = render_quote_document(quote.id, session=session, actor=actor)
    finally:
        engine.dispose()
    if out.suffix.lower() == ".pdf":
        write_bytes(out, pdf, "quote document")
    else:
        write_text(out, html, "quote document")
    typer.echo(f"wrote {quote.number} v{quote.version} ({quote.state}) to {out}")


def register(app: typer.Typer) -> None:
    """Add the ``render`` command to the ``quote`` command group."""
    app.command("render")(render)
