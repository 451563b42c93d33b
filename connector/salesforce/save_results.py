"""Salesforce's per-record save results (sObject Collections answers) as ``WriteResult``s."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from connector.salesforce.faults import one_line
from connector.writes import RecordError, WriteResult

#: Per-record errors that say nothing about the record: sending it again later may succeed.
TRANSIENT_CODES = frozenset({"UNABLE_TO_LOCK_ROW"})


def answers(answer: object, expected: int) -> list[dict[str, Any]]:
    """A collection call's per-record results; ValueError (retried) when it is not one per record."""
    if not isinstance(answer, list) or len(answer) != expected:
        raise ValueError("not one result per record")
    if not all(isinstance(a, dict) and isinstance(a.get("success"), bool) for a in answer):
        raise ValueError("not a list of save results")
    return answer


def to_result(key: str, answer: Mapping[str, Any], success: str) -> WriteResult:
    """One record's ``WriteResult`` from its save result (``success``: the status it means)."""
    crm_id = str(answer["id"]) if answer.get("id") else None
    if answer["success"]:
        created = answer.get("created")
        status = success if created is None else ("created" if created else "updated")
        return WriteResult(key, status, crm_id)  # type: ignore[arg-type]
    errors = tuple(
        RecordError(
            str(e.get("statusCode") or e.get("errorCode") or "UNKNOWN"),
            one_line(str(e.get("message") or "")),
            tuple(str(f) for f in e.get("fields") or []),
        )
        for e in answer.get("errors") or []
        if isinstance(e, dict)
    ) or (RecordError("UNKNOWN", "Salesforce gave no reason"),)
    if success == "deleted" and all(e.code == "ENTITY_IS_DELETED" for e in errors):
        return WriteResult(key, "deleted", crm_id or key)  # a retry found it gone already
    retriable = any(e.code in TRANSIENT_CODES for e in errors)
    return WriteResult(key, "failed", crm_id, errors, retriable)
