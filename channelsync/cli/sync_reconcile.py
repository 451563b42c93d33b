"""``channelsync sync reconcile``: compare each connection's CRM with the core, report and repair drift.

Exit status: 0 when the core matches the CRM (or ``--repair`` re-pulled every drifted record),
``EXIT_DRIFT`` (3) when drift remains (found without ``--repair``, or a re-pulled record the core
refused: it waits in the quarantine), 1 on an error (one line).
"""

from __future__ import annotations

import json

import typer
from rich.table import Table

from channelsync.cli.consoles import out as _out
from channelsync.cli.core_db import database_url
from channelsync.cli.sync_setup import chosen_connections
from connector.sync.drift_report import KINDS, ReconcileReport
from connector.sync.reconcile import reconcile_connection
from order_core.db import make_engine

#: Exit status when drift remains after the command.
EXIT_DRIFT = 3
_COLUMNS = ("crm", "core", "in_sync", *KINDS, "quarantined", "repulled")


def _table(report: ReconcileReport) -> Table:
    verdict = "in sync" if report.drift == 0 else f"{report.drift} drifted"
    if report.repair and report.drift:
        verdict += f", {report.drift - report.unrepaired} repaired"
    table = Table(
        title=f"{report.connection}: {verdict} ({report.seconds:.1f} s, {report.api_calls} API calls)"
    )
    table.add_column("object")
    for column in _COLUMNS:
        table.add_column(column.replace("_", " "), justify="right")
    for name, obj in report.objects.items():
        values = {**obj.counts, **{c: getattr(obj, c) for c in _COLUMNS if c not in KINDS}}
        table.add_row(name, *(str(values[c]) for c in _COLUMNS))
    return table


def _ids(report: ReconcileReport) -> list[str]:
    lines = []
    for name, obj in report.objects.items():
        for kind in KINDS:
            if obj.ids[kind]:
                more = obj.counts[kind] - len(obj.ids[kind])
                tail = f" (and {more} more)" if more else ""
                lines.append(f"{name} {kind.replace('_', ' ')}: {', '.join(obj.ids[kind])}{tail}")
    return lines


def reconcile_command(
    connection: list[str] | None = typer.Option(
        None, "--connection", "-c", help="Connection name (repeatable); default: all."
    ),
    repair: bool = typer.Option(
        False, "--repair", help="Re-pull the drifted records (the CRM's values win)."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the reports as JSON."),
) -> None:
    """Compare the CRM and the core record by record; report drift (and repair it)."""
    conns = chosen_connections(connection)
    engine = make_engine(database_url())
    reports: list[ReconcileReport] = []
    try:
        for conn in conns:
            report = reconcile_connection(
                conn.name, engine, repair=repair, connections={conn.name: conn}
            )
            reports.append(report)
            if not as_json:
                _out().print(_table(report))
                for line in _ids(report):
                    _out().print(line, highlight=False, soft_wrap=True)
    finally:
        engine.dispose()
    if as_json:
        _out().print_json(json.dumps([r.as_dict() for r in reports]))
    raise typer.Exit(EXIT_DRIFT if any(r.unrepaired for r in reports) else 0)
