"""``channelsync partners``: list partner companies with their programs and buyers."""

from __future__ import annotations

import typer
from rich.console import Console
from rich.table import Table
from sqlmodel import Session

from channelsync.cli.core_db import CLI_ACTOR, cli_session
from order_core.catalog.authorization import authorized_product_ids
from order_core.partners.buyers import list_buyers
from order_core.partners.programs import active_programs
from order_core.partners.services import list_partners

app = typer.Typer(help="Partner companies.", no_args_is_help=True)


def partners_table(session: Session) -> Table:
    """A Rich table of every partner: kind, tier, country, currency, programs, buyers, products."""
    table = Table(title="partners")
    for column in (
        "id",
        "name",
        "kind",
        "tier",
        "country",
        "currency",
        "programs",
        "buyers",
        "products",
    ):
        table.add_column(
            column, justify="right" if column in ("id", "buyers", "products") else "left"
        )
    for partner in list_partners(session=session, actor=CLI_ACTOR, include_inactive=True):
        assert partner.id is not None
        table.add_row(
            str(partner.id),
            partner.name if partner.active else f"{partner.name} (inactive)",
            partner.kind,
            partner.tier,
            partner.country,
            partner.currency,
            ", ".join(p.code for p in active_programs(session, partner.id)),
            str(len(list_buyers(partner.id, session=session, actor=CLI_ACTOR))),
            str(len(authorized_product_ids(session, partner.id))),
        )
    return table


@app.command("list")
def list_command() -> None:
    """List partner companies (programs active today, active buyers, authorized products)."""
    with cli_session() as session:
        Console().print(partners_table(session))
