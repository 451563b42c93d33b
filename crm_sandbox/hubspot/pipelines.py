"""Default pipelines: deals' "Sales Pipeline" (id ``default``) and tickets' "Support Pipeline".

Stage ids and probabilities are HubSpot's defaults (``appointmentscheduled`` … ``closedwon`` /
``closedlost``); the seed maps its neutral stage names onto them with :data:`SEED_STAGE_IDS`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from crm_sandbox.hubspot.objects import ObjectType
from crm_sandbox.hubspot.property_defs import STAGES
from crm_sandbox.hubspot.wire import iso

SEED_STAGE_IDS = {
    "Prospecting": "appointmentscheduled",
    "Qualification": "qualifiedtobuy",
    "Needs Analysis": "presentationscheduled",
    "Proposal/Price Quote": "decisionmakerboughtin",
    "Negotiation/Review": "contractsent",
    "Closed Won": "closedwon",
    "Closed Lost": "closedlost",
}

_TICKET_STAGES = [
    ("1", "New"),
    ("2", "Waiting on contact"),
    ("3", "Waiting on us"),
    ("4", "Closed"),
]


def _stage(sid: str, label: str, order: int, meta: dict[str, str], stamp: str) -> dict[str, Any]:
    return {
        "label": label,
        "displayOrder": order,
        "metadata": meta,
        "id": sid,
        "createdAt": stamp,
        "updatedAt": stamp,
        "archived": False,
        "writePermissions": "CRM_PERMISSIONS_ENFORCEMENT",
    }


def pipelines_for(t: ObjectType, created: datetime) -> list[dict[str, Any]]:
    """The pipelines of an object type (empty for types without pipelines)."""
    stamp = iso(created)
    if t.name == "deals":
        stages = [
            _stage(sid, label, i, {"isClosed": str(closed).lower(), "probability": prob}, stamp)
            for i, (sid, label, prob, closed) in enumerate(STAGES)
        ]
        return [_pipe("default", "Sales Pipeline", stages, stamp)]
    if t.name == "tickets":
        stages = [
            _stage(sid, label, i, {"ticketState": "CLOSED" if sid == "4" else "OPEN"}, stamp)
            for i, (sid, label) in enumerate(_TICKET_STAGES)
        ]
        return [_pipe("0", "Support Pipeline", stages, stamp)]
    return []


def _pipe(pid: str, label: str, stages: list[dict[str, Any]], stamp: str) -> dict[str, Any]:
    return {
        "label": label,
        "displayOrder": 0,
        "id": pid,
        "stages": stages,
        "createdAt": stamp,
        "updatedAt": stamp,
        "archived": False,
    }
