"""Dagster metadata from the packages' reports: figures as numbers, lists as Markdown tables."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import dagster as dg

from connector.sync.report import OUTCOMES, RunReport
from order_core.outbox.models import OutboxEvent


def _cell(value: object) -> str:
    return str(value).replace("|", "\\|").replace("\n", " ")


def markdown_table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> dg.MetadataValue:
    """A Markdown table (``|`` in a cell escaped); "none" when there are no rows."""
    if not rows:
        return dg.MetadataValue.md("none")
    lines = ["| " + " | ".join(headers) + " |", "|" + " --- |" * len(headers)]
    lines += ["| " + " | ".join(_cell(v) for v in row) + " |" for row in rows]
    return dg.MetadataValue.md("\n".join(lines))


def top_reasons(reasons: Mapping[str, int], limit: int = 10) -> dg.MetadataValue:
    """The most frequent reasons, most first."""
    ranked = sorted(reasons.items(), key=lambda item: (-item[1], item[0]))[:limit]
    return markdown_table(("records", "reason"), [(n, text) for text, n in ranked])


def dead_letters_table(events: Sequence[OutboxEvent], limit: int = 20) -> dg.MetadataValue:
    """The oldest dead letters: id, topic, attempts and the last error."""
    rows = [(e.id, e.topic, e.attempts, (e.last_error or "")[:120]) for e in events[:limit]]
    return markdown_table(("id", "topic", "attempts", "last error"), rows)


def pull_metadata(report: RunReport, crm_object: str, reasons: Mapping[str, int]) -> dict[str, Any]:
    """One object's figures of a pull run, with the run's API figures and its quarantine reasons."""
    rep = report.object(crm_object)
    figures: dict[str, Any] = {"read": rep.read}
    figures.update({outcome: getattr(rep, outcome) for outcome in OUTCOMES})
    figures.update(
        {
            "api_calls": rep.api_calls,
            "run_api_calls": report.api_calls,
            "budget_left": report.budget_left,
            "cursor": rep.cursor_after or "",
            "duration_seconds": rep.seconds,
            "status": report.status,
            "quarantine_reasons": top_reasons(reasons),
        }
    )
    if report.message:
        figures["message"] = report.message
    return figures


def plain(values: Mapping[str, Any]) -> dict[str, Any]:
    """A report's plain data as metadata: numbers and text as they are, the rest as JSON."""
    out: dict[str, Any] = {}
    for key, value in values.items():
        if value is None or isinstance(value, (bool, int, float, str)):
            out[key] = "" if value is None else value
        else:
            out[key] = dg.MetadataValue.json(value)
    return out
