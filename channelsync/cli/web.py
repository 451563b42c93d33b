"""``channelsync web``: serve the end customer's pages (quote links, self-renewal) and inbound webhooks."""

from __future__ import annotations

import typer

from channelsync.cli.consoles import out as _out
from channelsync.web.server import serve
from order_core.settings import get_settings


def run_web(
    port: int = typer.Option(8080, "--port", min=0, max=65535, help="Port (0: any free one)."),
    host: str = typer.Option("127.0.0.1", "--host", help="Interface to bind."),
) -> None:
    """Serve the customer's web pages until Ctrl-C (links point at CHANNELSYNC_PUBLIC_BASE_URL)."""
    public = get_settings().public_base_url

    def ready(address: str) -> None:
        _out().print(f"channelsync web at {address}", highlight=False)
        _out().print(
            f"links in e-mails point at {public} (CHANNELSYNC_PUBLIC_BASE_URL)", highlight=False
        )
        _out().print("Press Ctrl-C to stop.", highlight=False)

    serve(host, port, ready)
