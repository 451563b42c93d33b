"""What a reconcile reports: per CRM object, counts on each side and drifted records by kind.

Kinds of drift: ``missing_in_crm`` (the core holds a live record the CRM no longer has),
``missing_in_core`` (a live CRM record with no live core record), ``stale`` (the CRM's stamp is
newer than the one applied and the mapped values differ: the core missed a change) and
``different`` (the mapped values differ though the CRM's stamp is not newer: a change that moved
no stamp). The core side is what the sync applied (each link's digest and stamp) and whether the
linked core row still exists.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

KINDS = ("missing_in_crm", "missing_in_core", "stale", "different")
#: Drifted CRM ids kept per object and kind for the report (the counts are always complete).
SAMPLE_IDS = 20


@dataclass
class ObjectDrift:
    """One CRM object: records on each side, in sync, quarantined, and drift by kind."""

    crm_object: str
    crm: int = 0  # live records read from the CRM, per core target they map to
    core: int = 0  # live links the core holds for the object's targets
    in_sync: int = 0
    quarantined: int = 0  # in the quarantine, or refused by the mapping and not in the core
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KINDS, 0))
    ids: dict[str, list[str]] = field(default_factory=lambda: {k: [] for k in KINDS})
    repulled: int = 0  # drifted records applied again by a repair
    repair_quarantined: int = 0  # of those, records the core refused (see the quarantine)

    def add(self, kind: str, crm_id: str) -> None:
        """Count one drifted record (its id kept among the first ``SAMPLE_IDS``)."""
        self.counts[kind] += 1
        if len(self.ids[kind]) < SAMPLE_IDS:
            self.ids[kind].append(crm_id)

    @property
    def drift(self) -> int:
        """Drifted records of this object."""
        return sum(self.counts.values())


@dataclass
class ReconcileReport:
    """One reconcile of one connection; ``drift`` 0 means the core matches the CRM."""

    connection: str
    repair: bool = False
    objects: dict[str, ObjectDrift] = field(default_factory=dict)
    api_calls: int = 0
    seconds: float = 0.0

    def object(self, name: str) -> ObjectDrift:
        """The report of one object (made on first use)."""
        return self.objects.setdefault(name, ObjectDrift(name))

    @property
    def drift(self) -> int:
        """Drifted records found, over every object (before any repair)."""
        return sum(o.drift for o in self.objects.values())

    @property
    def unrepaired(self) -> int:
        """Drifted records still drifted: all of them without ``repair``, else those the core
        refused on the re-pull (they wait in the quarantine)."""
        if not self.repair:
            return self.drift
        return sum(o.repair_quarantined for o in self.objects.values())

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON-able data: totals, and per object the counts and the first drifted ids."""
        return {
            "connection": self.connection,
            "drift": self.drift,
            "repair": self.repair,
            "unrepaired": self.unrepaired,
            "api_calls": self.api_calls,
            "seconds": self.seconds,
            "objects": {
                name: {
                    "crm": o.crm,
                    "core": o.core,
                    "in_sync": o.in_sync,
                    "quarantined": o.quarantined,
                    "drift": o.drift,
                    **{kind: o.counts[kind] for kind in KINDS},
                    "ids": {kind: list(o.ids[kind]) for kind in KINDS if o.ids[kind]},
                    "repulled": o.repulled,
                    "repair_quarantined": o.repair_quarantined,
                }
                for name, o in self.objects.items()
            },
        }
