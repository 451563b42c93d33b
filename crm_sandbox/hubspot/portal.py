"""The state of one sandbox portal (records, properties, association types, injected batch failures)
and the rendering of records into the JSON shapes hubspot-api-client deserialises.

A record renders as ``{id, properties, createdAt, updatedAt, archived[, archivedAt][,
associations]}``: ``createdAt``/``updatedAt`` mirror the create and modification stamp
properties, every value is a string or ``null``, and the create stamp, modification stamp and
``hs_object_id`` are always among the properties. The v3 ``associations`` block is keyed by the
target's plural name with spaces (``"line items"``), as HubSpot's v3 API keys it.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from crm_sandbox.hubspot import search
from crm_sandbox.hubspot.assoc_types import AssocCatalog
from crm_sandbox.hubspot.objects import ObjectType, resolve
from crm_sandbox.hubspot.properties import PropertyRegistry, PropertyValueError
from crm_sandbox.hubspot.store import HsRecord, RecordStore
from crm_sandbox.hubspot.wire import iso, now

PORTAL_ID = 24_681_357


@dataclass
class BatchFailure:
    """Make inputs at these 0-based positions fail inside a batch call of ``route``."""

    route: str
    inputs: set[int]
    times: int | None = 1
    category: str = "VALIDATION_ERROR"
    message: str = "Injected failure"


class BatchFailurePlan:
    """Pending batch partial failures, consumed per call (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._items: list[BatchFailure] = []

    def add(self, failure: BatchFailure) -> None:
        """Queue a partial failure."""
        with self._lock:
            self._items.append(failure)

    def clear(self) -> None:
        """Drop every pending partial failure."""
        with self._lock:
            self._items.clear()

    def take(self, route: str) -> BatchFailure | None:
        """The partial failure for this call of ``route``, consuming one use."""
        with self._lock:
            for item in self._items:
                if item.route not in (route, "*"):
                    continue
                if item.times is not None:
                    item.times -= 1
                    if item.times <= 0:
                        self._items.remove(item)
                return item
        return None


@dataclass
class Portal:
    """Everything one sandbox portal holds."""

    created: datetime = field(default_factory=now)
    store: RecordStore = field(default_factory=RecordStore)
    catalog: AssocCatalog = field(default_factory=AssocCatalog)
    batch_failures: BatchFailurePlan = field(default_factory=BatchFailurePlan)
    props: PropertyRegistry = field(init=False)
    schemas: dict[str, dict[str, Any]] = field(default_factory=dict)
    assoc_read_page: int = 500  # associations per record in one v4 batch read result
    _search_cache: dict[tuple[str, str, int], list[HsRecord]] = field(default_factory=dict)
    _cache_lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self.props = PropertyRegistry(self.created)

    def render(
        self,
        rec: HsRecord,
        properties: list[str] | None = None,
        associations: list[str] | None = None,
        history: list[str] | None = None,
    ) -> dict[str, Any]:
        """The record's JSON; ``properties`` empty or ``None`` means the type's defaults;
        ``history`` names the properties whose ``propertiesWithHistory`` to include."""
        t = rec.otype
        defs = self.props.names(t)
        wanted = properties or list(t.default_properties)
        out: dict[str, str | None] = {}
        for name in wanted:
            if name in defs:
                out[name] = rec.value(name)
        for name in (t.create_property, t.stamp_property, "hs_object_id"):
            out[name] = rec.value(name)
        body: dict[str, Any] = {
            "id": str(rec.id),
            "properties": out,
            "createdAt": iso(rec.created),
            "updatedAt": iso(rec.updated),
            "archived": rec.archived_at is not None,
        }
        if rec.archived_at is not None:
            body["archivedAt"] = iso(rec.archived_at)
        if history:
            body["propertiesWithHistory"] = {
                name: [
                    {"value": v, "timestamp": iso(at), "sourceType": src}
                    for v, at, src in rec.history.get(name, [])
                ]
                for name in history
                if name in defs
            }
        if associations:
            block = self.v3_associations(rec, associations)
            if block:
                body["associations"] = block
        return body

    def check_unique(self, t: ObjectType, writes: list[tuple[int | None, dict[str, str]]]) -> None:
        """Refuse writes that would give two live records one value of a unique property.

        ``writes`` are (record id, or None for a new record; its new values), checked against the
        portal and against each other; HubSpot answers such a write with a 400 naming the property.
        """
        defs = self.props.of(t)
        problems: list[dict[str, Any]] = []
        seen: set[tuple[str, str]] = set()
        for rid, values in writes:
            for name, value in values.items():
                prop = defs.get(name)
                if prop is None or not prop.unique or not value:
                    continue
                holders = [
                    r.id
                    for r in self.store.lookup(t, name, value)
                    if r.archived_at is None and r.id != rid
                ]
                if holders or (name, value) in seen:
                    other = f"record {holders[0]}" if holders else "another input of this request"
                    text = (
                        f'"{value}" is already the value of {name} on {other}; '
                        "a unique property cannot repeat"
                    )
                    problems.append(
                        {
                            "isValid": False,
                            "message": text,
                            "error": "NON_UNIQUE_VALUE",
                            "name": name,
                            "localizedErrorMessage": text,
                        }
                    )
                seen.add((name, value))
        if problems:
            raise PropertyValueError(problems)

    def v3_associations(self, rec: HsRecord, to_types: list[str]) -> dict[str, Any]:
        """The v3 ``associations`` block for the requested target types."""
        block: dict[str, Any] = {}
        for name in to_types:
            target = resolve(name)
            if target is None or not target.stored:
                continue
            results = []
            for oid, type_ids in self.store.associated((rec.otype.name, rec.id), target.name):
                for tid in sorted(type_ids):
                    at = self.catalog.get(tid)
                    results.append({"id": str(oid), "type": at.name if at else str(tid)})
            if results:
                block[target.name.replace("_", " ")] = {"results": results}
        return block

    def search_hits(self, t: ObjectType, q: search.Query) -> list[HsRecord]:
        """All matches of a search, cached while no record changes (pages re-run the query)."""
        key = (t.name, search.cache_key(q), self.store.version)
        with self._cache_lock:
            hit = self._search_cache.get(key)
        if hit is not None:
            return hit
        hits = search.run(
            self.store.records(t), q, self.props.of(t), self.text_properties(t), self._assoc_ids
        )
        with self._cache_lock:
            if len(self._search_cache) >= 16:
                self._search_cache.pop(next(iter(self._search_cache)))
            self._search_cache[key] = hits
        return hits

    def _assoc_ids(self, rec: HsRecord, to_type: str) -> set[str]:
        target = resolve(to_type)
        if target is None or not target.stored:
            raise search.SearchError(f"filters: unknown object type in associations.{to_type}")
        return {str(i) for i, _ in self.store.associated((rec.otype.name, rec.id), target.name)}

    def text_properties(self, t: ObjectType) -> tuple[str, ...]:
        """Properties the free-text ``query`` of a search looks into."""
        extra = {
            "contacts": ("firstname", "lastname", "email", "phone", "company"),
            "companies": ("name", "domain", "phone"),
            "deals": ("dealname",),
            "products": ("name", "hs_sku", "description"),
            "line_items": ("name", "hs_sku"),
        }
        return extra.get(t.name, (t.primary_display,))
