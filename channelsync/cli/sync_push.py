"""``channelsync sync push``: the core's quote, deal and order changes to the CRM connections."""

from __future__ import annotations

import typer
from rich.progress import Progress, SpinnerColumn, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

from channelsync.cli.consoles import err as _err
from channelsync.cli.consoles import out as _out
from channelsync.cli.core_db import database_url
from channelsync.cli.sync_setup import SetupError, chosen_connections
from connector.errors import FatalError
from connector.push.run import PushReport, TopicFigures, push_connection
from order_core.db import make_engine

_COLUMNS = ("leased", "delivered", "retried", "dead_lettered", "skipped", "crm_calls")


def _table(report: PushReport) -> Table:
    table = Table(
        title=f"{report.connection}: {report.status} in {report.seconds:.1f} s, "
        f"{report.crm_calls} CRM write calls; fan-out: {report.fanned_out} events, "
        f"{report.copies} copies"
    )
    table.add_column("topic")
    for column in _COLUMNS:
        table.add_column(column.replace("_", " "), justify="right")
    for topic, figures in report.topics.items():
        table.add_row(topic, *(str(getattr(figures, c)) for c in _COLUMNS))
    return table


def push_command(
    connection: list[str] | None = typer.Option(
        None, "--connection", "-c", help="Connection name (repeatable); default: all."
    ),
) -> None:
    """Push the core's quotes, deal summaries and orders to the CRM connections."""
    conns = chosen_connections(connection)
    everything = {c.name: c for c in chosen_connections(None)}
    engine = make_engine(database_url())
    worst = 0
    try:
        for conn in conns:
            columns = (SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn())
            with Progress(*columns, console=_out(), transient=True) as bar:
                task = bar.add_task(f"{conn.name}: fan-out")

                def shown(topic: str, figures: TopicFigures, task_id: TaskID = task) -> None:
                    bar.update(task_id, description=f"{topic}: {figures.delivered} delivered")

                try:
                    report = push_connection(
                        conn.name, engine, connections=everything, progress=shown
                    )
                except (ValueError, FatalError) as exc:
                    raise SetupError(str(exc)) from None
            _out().print(_table(report))
            if report.status != "ok":
                _err().print(
                    f"[bold red]error:[/] {report.message}", highlight=False, soft_wrap=True
                )
                worst = 1
    finally:
        engine.dispose()
    raise typer.Exit(worst)
