"""HubSpot's batch answers (200 / 201, or 207 with ``errors``) as one ``WriteResult`` per input.

HubSpot does not promise the results in request order: each result is matched to its input by a
key the caller derives from it (the ``idProperty`` value, the record id, the associated pair);
each error by the ids in its ``context``. An input the answer accounts for in neither is failed
as ``NO_RESULT`` and retriable (sending it again is safe for every batch call the writers make).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from connector.hubspot.failures import one_line
from connector.writes import RecordError, WriteResult

Json = dict[str, Any]
#: Error categories that say nothing about the record itself.
TRANSIENT_CATEGORIES = frozenset({"RATE_LIMITS", "LOCKED", "INTERNAL_ERROR"})


def _context(entry: Json, name: str) -> list[str]:
    context = entry.get("context")
    found = context.get(name) if isinstance(context, dict) else None
    return [str(v) for v in found] if isinstance(found, list) else []


def context_ids(entry: Json) -> list[str]:
    """The record ids (or ``idProperty`` values) a batch error names: ``context.ids``."""
    return _context(entry, "ids")


def context_pairs(entry: Json) -> list[str]:
    """The pairs an association batch error names: ``context.fromObjectId`` / ``toObjectId``."""
    froms, tos = _context(entry, "fromObjectId"), _context(entry, "toObjectId")
    return [f"{a}>{b}" for a, b in zip(froms, tos, strict=False)]


def match(
    keys: Sequence[str],
    data: Json,
    result_key: Callable[[Json], str | None],
    success: str,
    error_keys: Callable[[Json], list[str]] = context_ids,
) -> list[WriteResult]:
    """One result per input key, from a batch answer's ``results`` and ``errors``."""
    done: dict[str, WriteResult] = {}
    for result in data.get("results") or []:
        if not isinstance(result, dict):
            continue
        key = result_key(result)
        if key is None:
            continue
        status = (
            success if result.get("new") is None else ("created" if result["new"] else "updated")
        )
        crm_id = result.get("id")
        done[key] = WriteResult(key, status, None if crm_id is None else str(crm_id))  # type: ignore[arg-type]
    unplaced: list[str] = []
    for entry in data.get("errors") or []:
        if not isinstance(entry, dict):
            continue
        category = str(entry.get("category") or "ERROR")
        error = RecordError(category, one_line(str(entry.get("message") or "")))
        named = [k for k in error_keys(entry) if k in keys]
        if not named:
            unplaced.append(f"{category}: {error.message}")
        for key in named:
            done[key] = WriteResult(key, "failed", None, (error,), category in TRANSIENT_CATEGORIES)
    said = "; ".join(unplaced) or "HubSpot's answer did not mention this input"
    return [
        done.get(key) or WriteResult.failed(key, "NO_RESULT", one_line(said), retriable=True)
        for key in keys
    ]
