"""The values that cross the mapping: a CRM record as read, and what it becomes for the core."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

#: Associated record ids by object, each with the labels of the association (HubSpot).
Associations = Mapping[str, list[tuple[str, frozenset[str]]]]


@dataclass(frozen=True, slots=True)
class RawRecord:
    """One CRM record as a connector read it: id, modification stamp, deletion flag and fields."""

    crm_id: str
    stamp: datetime
    fields: Mapping[str, object]
    deleted: bool = False
    associations: Associations = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class MappedRecord:
    """A core record's values from one CRM record; references are CRM ids the core resolves.

    ``owned`` names the fields the CRM owns (a pull may overwrite them); the others are set only
    when the record is created. ``digest`` is a hash of everything mapped: equal digests mean
    nothing changed, so nothing is written.
    """

    target: str
    crm_id: str
    stamp: datetime
    values: dict[str, object]
    refs: dict[str, str | None]
    owned: frozenset[str]
    digest: str
    deleted: bool = False


@dataclass(frozen=True, slots=True)
class Rejected:
    """A CRM record the mapping cannot turn into ``target``: kept with its reason in the quarantine."""

    target: str
    crm_id: str
    stamp: datetime
    reason: str
