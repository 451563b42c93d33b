"""``channelsync db``: create or upgrade the database schema."""

from __future__ import annotations

import typer
from rich.console import Console

from order_core.db import upgrade_schema
from order_core.settings import get_settings

app = typer.Typer(help="Database schema.", no_args_is_help=True)


@app.command("upgrade")
def upgrade(revision: str = typer.Argument("head", help="Alembic revision to upgrade to.")) -> None:
    """Create or upgrade the schema of CHANNELSYNC_DATABASE_URL to the newest migration."""
    url = get_settings().database_url
    upgrade_schema(url, revision)
    Console().print(f"schema upgraded to {revision}")
