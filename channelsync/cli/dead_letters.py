"""``channelsync sync dead-letters``: outbox events that gave up, listed and re-queued."""

from __future__ import annotations

import typer
from rich.console import Console
from rich.table import Table

from channelsync.cli.core_db import CLI_ACTOR, cli_session
from order_core.outbox.dead_letters import list_dead_letters, requeue_dead_letters

app = typer.Typer(
    help="Outbox events that failed for good or too often (dead letters).", no_args_is_help=True
)
TopicOption = typer.Option(
    None,
    "--topic",
    help="Only topics starting with this (e.g. prm.webhook, crm:acme-sf:order, crm:).",
)


@app.command("list")
def list_command(
    topic: str | None = TopicOption,
    limit: int = typer.Option(100, "--limit", min=1, help="At most this many, oldest first."),
) -> None:
    """Dead letters, oldest first, with their last error."""
    with cli_session() as session:
        events = list_dead_letters(
            session=session, actor=CLI_ACTOR, topic_prefix=topic, limit=limit
        )
    table = Table(title=f"dead letters ({len(events)})")
    for column in ("id", "topic", "record", "partner", "attempts", "created", "last error"):
        table.add_column(column, justify="right" if column in ("id", "attempts") else "left")
    for e in events:
        table.add_row(
            str(e.id),
            e.topic,
            f"{e.aggregate} {e.aggregate_id}",
            "-" if e.partner_id is None else str(e.partner_id),
            str(e.attempts),
            f"{e.created_at:%Y-%m-%d %H:%M:%S}Z",
            e.last_error or "",
        )
    Console().print(table)


@app.command("retry")
def retry_command(
    ids: list[int] | None = typer.Option(
        None, "--id", help="A dead letter's id (repeatable; see `sync dead-letters list`)."
    ),
    all_: bool = typer.Option(False, "--all", help="Every dead letter (of --topic, if given)."),
    topic: str | None = TopicOption,
) -> None:
    """Re-queue dead letters: pending again, due now, attempts reset."""
    if bool(ids) == all_:
        raise typer.BadParameter(
            "give either --id N (repeatable) or --all", param_hint="--id / --all"
        )
    with cli_session() as session:
        done = requeue_dead_letters(
            session=session, actor=CLI_ACTOR, ids=None if all_ else ids, topic_prefix=topic
        )
    shown = ", ".join(map(str, done[:20])) + (" ..." if len(done) > 20 else "")
    Console().print(
        f"re-queued {len(done)} dead letter(s){': ' + shown if done else ''}", highlight=False
    )
