"""``channelsync prm``: partners' PRM webhook endpoints, and delivering the ``prm.webhook`` events."""

from __future__ import annotations

import os

import typer
from pydantic import SecretStr
from rich.console import Console
from rich.table import Table

from channelsync.cli.core_db import CLI_ACTOR, cli_session, database_url
from connector.push.drain import drain
from connector.push.prm_webhook import PrmWebhookSender
from order_core.db import make_engine
from order_core.errors import DomainError
from order_core.webhooks.endpoints import (
    list_partner_webhooks,
    remove_partner_webhook,
    set_partner_webhook,
)

app = typer.Typer(help="Partner PRM webhooks: endpoints and delivery.", no_args_is_help=True)
webhook_app = typer.Typer(
    help="Each partner's webhook endpoint and signing secret.", no_args_is_help=True
)
app.add_typer(webhook_app, name="webhook")


def _secret(env_name: str | None) -> SecretStr:
    """The signing secret: from the named environment variable, else asked for (hidden, twice)."""
    if env_name is not None:
        value = os.environ.get(env_name, "")
        if not value:
            raise typer.BadParameter(
                f"environment variable {env_name} is not set or empty; export the partner's "
                "signing secret in it",
                param_hint="--secret-from-env",
            )
        return SecretStr(value)
    typed: str = typer.prompt("Signing secret", hide_input=True, confirmation_prompt=True)
    return SecretStr(typed)


@webhook_app.command("set")
def set_command(
    partner: int = typer.Option(..., "--partner", help="Partner id (`channelsync partners list`)."),
    url: str = typer.Option(
        ..., "--url", help="The PRM's endpoint (https; http to 127.0.0.1 only)."
    ),
    secret_env: str | None = typer.Option(
        None,
        "--secret-from-env",
        metavar="VAR",
        help="Read the signing secret from this environment variable (else it is asked for).",
    ),
) -> None:
    """Set a partner's webhook URL and signing secret (never given on the command line)."""
    secret = _secret(secret_env)
    with cli_session() as session:
        hook = set_partner_webhook(partner, url, secret, session=session, actor=CLI_ACTOR)
    Console().print(f"partner {partner}: webhook set to {hook.url}", highlight=False)


@webhook_app.command("remove")
def remove_command(
    partner: int = typer.Option(..., "--partner", help="Partner id."),
) -> None:
    """Remove a partner's webhook endpoint (its later events are skipped)."""
    with cli_session() as session:
        remove_partner_webhook(partner, session=session, actor=CLI_ACTOR)
    Console().print(f"partner {partner}: webhook removed", highlight=False)


@webhook_app.command("list")
def list_command() -> None:
    """Partners with a webhook endpoint (URLs only, never the secrets)."""
    table = Table(title="PRM webhooks")
    for column in ("partner", "url", "updated"):
        table.add_column(column)
    with cli_session() as session:
        for hook in list_partner_webhooks(session=session, actor=CLI_ACTOR):
            table.add_row(str(hook.partner_id), hook.url, f"{hook.updated_at:%Y-%m-%d %H:%M:%S}Z")
    Console().print(table)


@app.command("deliver")
def deliver_command(
    limit: int = typer.Option(1000, "--limit", min=1, help="At most this many events this run."),
) -> None:
    """POST due prm.webhook events to the partners' endpoints, signed; exit 1 when some failed."""
    engine = make_engine(database_url())
    try:
        report = drain(engine, PrmWebhookSender(engine), max_events=limit)
    finally:
        engine.dispose()
    Console().print(
        f"delivered {report.delivered}, skipped (no endpoint) {report.skipped}, "
        f"to retry {report.retried}, dead letters {report.dead_lettered}, "
        f"requests {report.calls}",
        highlight=False,
    )
    if report.failed or report.error:
        why = f" ({report.error})" if report.error else ""
        raise DomainError(
            f"{report.failed} PRM webhook(s) not delivered{why}; retries follow with backoff, "
            "`channelsync sync dead-letters list --topic prm.webhook` shows the dead letters"
        )
