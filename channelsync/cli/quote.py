"""``channelsync quote``: preview pricing for a cart and render a stored quote's document."""

from __future__ import annotations

import typer

from channelsync.cli import quote_margin, quote_price, quote_render

app = typer.Typer(
    help="Quotes: price a cart, render the customer's document, show the reseller's margin.",
    no_args_is_help=True,
)
quote_price.register(app)
quote_render.register(app)
quote_margin.register(app)
