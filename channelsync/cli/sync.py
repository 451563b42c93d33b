"""``channelsync sync``: pull from and push to the CRM connections, their status, the quarantine and the dead letters."""

from __future__ import annotations

import json

import typer
from rich.progress import Progress, SpinnerColumn, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table
from sqlalchemy.engine import Engine

from channelsync.cli import dead_letters, sync_push, sync_reconcile
from channelsync.cli.consoles import err as _err
from channelsync.cli.consoles import out as _out
from channelsync.cli.core_db import CLI_ACTOR, cli_session, database_url
from channelsync.cli.sync_setup import SetupError, chosen_connections, open_puller
from connector.connections import Connection
from connector.sync.pull import UnknownObjects
from connector.sync.report import ObjectReport, RequestedReport, RunReport
from connector.sync.run import pull_connection
from order_core.db import make_engine
from order_core.sync.quarantine import get_quarantined, list_quarantine
from order_core.sync.runs import sync_status

app = typer.Typer(
    help="Sync with the CRM connections (pull, push, status, reconcile, quarantine, dead letters).",
    no_args_is_help=True,
)
quarantine_app = typer.Typer(help="Records that could not be applied.", no_args_is_help=True)
app.add_typer(quarantine_app, name="quarantine")
app.add_typer(dead_letters.app, name="dead-letters")
app.command("push")(sync_push.push_command)
app.command("reconcile")(sync_reconcile.reconcile_command)
#: Exit status of a run stopped by the API budget: it resumes where it stopped next time.
EXIT_STOPPED = 75

ConnectionOption = typer.Option(
    None, "--connection", "-c", help="Connection name (repeatable); default: all."
)


def _report_table(report: RunReport) -> Table:
    table = Table(
        title=f"{report.connection}: {report.status} in {report.seconds:.1f} s, {report.api_calls} API calls"
    )
    columns = (
        "object",
        "read",
        "created",
        "updated",
        "deleted",
        "unchanged",
        "quarantined",
        "calls",
        "cursor",
    )
    for column in columns:
        table.add_column(column, justify="left" if column in ("object", "cursor") else "right")
    for rep in [*report.objects.values(), report.retried]:
        if rep is report.retried and not rep.read:
            continue
        table.add_row(
            rep.crm_object,
            *(
                str(getattr(rep, c))
                for c in (
                    "read",
                    "created",
                    "updated",
                    "deleted",
                    "unchanged",
                    "quarantined",
                    "api_calls",
                )
            ),
            rep.cursor_after or "-",
        )
    return table


class _Bar:
    """One Rich progress line per object: records read so far."""

    def __init__(self, bar: Progress, connection: str) -> None:
        self.bar, self.connection = bar, connection
        self.tasks: dict[str, TaskID] = {}

    def __call__(self, obj: str, rep: ObjectReport) -> None:
        if obj not in self.tasks:
            self.tasks[obj] = self.bar.add_task(f"{self.connection} {obj}")
        self.bar.update(self.tasks[obj], description=f"{self.connection} {obj}: {rep.read} read")


def _requested_line(done: RequestedReport) -> str:
    line = (
        f"{done.connection}: {done.requests} pull request(s) from webhooks: "
        f"{done.total('read')} read, {done.total('created')} created, "
        f"{done.total('updated')} updated, {done.total('unchanged')} unchanged"
    )
    if done.missing:
        line += f", {done.missing} not in the CRM"
    if done.retried or done.dead_lettered:
        line += f"; {done.retried} to retry, {done.dead_lettered} dead letters"
    return line + (f" ({done.error})" if done.error else "")


def _pull_one(conn: Connection, engine: Engine, objects: list[str] | None, full: bool) -> RunReport:
    columns = (SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn())
    with Progress(*columns, console=_out(), transient=True) as bar:
        try:
            report = pull_connection(
                conn.name,
                engine,
                objects=objects,
                full=full,
                connections={conn.name: conn},
                progress=_Bar(bar, conn.name),
            )
        except UnknownObjects as exc:
            raise SetupError(f"{exc}; fix --objects") from None
    if report.requested is not None and report.requested.requests:
        _out().print(_requested_line(report.requested), highlight=False, soft_wrap=True)
    return report


@app.command("pull")
def pull_command(
    connection: list[str] | None = ConnectionOption,
    objects: str | None = typer.Option(
        None, "--objects", help="Comma-separated CRM objects (default: every mapped one)."
    ),
    full: bool = typer.Option(
        False, "--full", help="Read everything again (unchanged records still write nothing)."
    ),
) -> None:
    """Pull changed records from the CRM connections into the core."""
    wanted = [o.strip() for o in objects.split(",") if o.strip()] if objects else None
    engine = make_engine(database_url())
    worst = 0
    try:
        for conn in chosen_connections(connection):
            report = _pull_one(conn, engine, wanted, full)
            _out().print(_report_table(report))
            if report.status == "failed":
                _err().print(
                    f"[bold red]error:[/] {report.message}", highlight=False, soft_wrap=True
                )
                worst = 1
            elif report.status == "stopped":
                _err().print(
                    f"[yellow]stopped:[/] {report.message}", highlight=False, soft_wrap=True
                )
                worst = worst or EXIT_STOPPED
    finally:
        engine.dispose()
    raise typer.Exit(worst)


@app.command("status")
def status_command(connection: list[str] | None = ConnectionOption) -> None:
    """Connections, cursors, the last run and quarantine counts."""
    conns = chosen_connections(connection)
    with cli_session() as session:
        statuses = sync_status([c.name for c in conns], session=session, actor=CLI_ACTOR)
    table = Table(title="sync status")
    for column in ("connection", "kind", "object", "cursor", "last run", "quarantined"):
        table.add_column(column)
    kinds = {c.name: c.kind for c in conns}
    for st in statuses:
        run = st.last_run
        last = "never" if run is None else f"{run.status} {run.started_at:%Y-%m-%d %H:%M:%S}Z"
        rows = st.objects or []
        if not rows:
            table.add_row(st.source, kinds[st.source], "-", "-", last, str(st.quarantined))
        for n, obj in enumerate(rows):
            cursor = "-" if obj.stamp is None else f"{obj.stamp:%Y-%m-%d %H:%M:%S}Z {obj.last_id}"
            first = n == 0
            table.add_row(
                st.source if first else "",
                kinds[st.source] if first else "",
                obj.crm_object,
                cursor,
                last if first else "",
                str(st.quarantined) if first else "",
            )
    _out().print(table)


@quarantine_app.command("list")
def quarantine_list(
    connection: list[str] | None = ConnectionOption,
    limit: int = typer.Option(100, "--limit", min=1, help="At most this many entries."),
) -> None:
    """Quarantined records, oldest first, with the reason."""
    names = [c.name for c in chosen_connections(connection)]
    table = Table(title="quarantine")
    for column in ("id", "connection", "object", "crm id", "attempts", "reason"):
        table.add_column(column)
    with cli_session() as session:
        for name in names:
            for e in list_quarantine(session=session, actor=CLI_ACTOR, source=name, limit=limit):
                table.add_row(
                    str(e.id), e.source, e.crm_object, e.crm_id, str(e.attempts), e.reason
                )
    _out().print(table)


@quarantine_app.command("show")
def quarantine_show(
    entry_id: int = typer.Argument(..., help="The entry id (`sync quarantine list`)."),
) -> None:
    """One quarantined record: reason, mapping version and the raw payload."""
    with cli_session() as session:
        e = get_quarantined(entry_id, session=session, actor=CLI_ACTOR)
    _out().print(
        f"{e.source} {e.crm_object} {e.crm_id} ({e.target}), {e.attempts} attempt(s), mapping version {e.mapping_version}",
        highlight=False,
    )
    _out().print(f"reason: {e.reason}", highlight=False)
    _out().print_json(json.dumps(json.loads(e.payload)))


@quarantine_app.command("retry")
def quarantine_retry(connection: list[str] | None = ConnectionOption) -> None:
    """Retry every quarantined record under today's mapping file."""
    engine = make_engine(database_url())
    try:
        for conn in chosen_connections(connection):
            puller = open_puller(conn, engine, None)
            try:
                rep = puller.retry_all()
            finally:
                puller.source.close()
            _out().print(
                f"{conn.name}: retried {rep.read}: {rep.created} created, {rep.updated} updated, {rep.unchanged} unchanged, {rep.quarantined} still quarantined",
                highlight=False,
            )
    finally:
        engine.dispose()
