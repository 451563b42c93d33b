"""In-memory record store of the HubSpot sandbox: ids, properties, stamps, archiving, associations.

Stamp semantics follow the real portal, because a sync engine loses data exactly here:

* creating a record sets ``createdate`` and the modification stamp (``hs_lastmodifieddate``;
  ``lastmodifieddate`` for contacts) to now; an update that changes at least one value bumps
  the stamp to now (an update that changes nothing does not). Records written at the same
  millisecond share a stamp, as on HubSpot, so no stamp ever runs ahead of the clock; only an
  explicit admin ``set_stamp`` can put one in the future;
* **archiving a record does not bump its stamp** (the record only gains ``archivedAt``) and
  restoring does not either;
* **adding or removing an association does not bump the stamp** of either record.

Ids are numeric strings from one portal-wide counter, so ids ascend with creation inside every
object type; list paging walks ids in that order. Archived records keep their associations but
are left out of association reads until restored. Lookups by a property's value (``lookup``:
upserts by ``idProperty``) go through an index built on first use and kept up to date by every
write here.
"""

from __future__ import annotations

import bisect
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation

from crm_sandbox.hubspot.objects import STORED, ObjectType
from crm_sandbox.hubspot.wire import iso, now


@dataclass
class HsRecord:
    """One stored record; ``props`` holds writable values as strings (stamps live apart)."""

    id: int
    otype: ObjectType
    props: dict[str, str]
    created: datetime
    updated: datetime
    archived_at: datetime | None = None
    history: dict[str, list[tuple[str, datetime, str]]] = field(default_factory=dict)

    def remember(self, values: dict[str, str], at: datetime, source: str) -> None:
        """Record new values in the property history (newest first)."""
        for key, value in values.items():
            self.history.setdefault(key, []).insert(0, (value, at, source))

    def value(self, name: str) -> str | None:
        """A property's value as the API shows it (``None`` when unset)."""
        t = self.otype
        if name == "hs_object_id":
            return str(self.id)
        if name == t.create_property:
            return iso(self.created)
        if name == t.stamp_property:
            return iso(self.updated)
        if name == "amount" and t.name == "line_items":
            return _line_amount(self.props)
        v = self.props.get(name)
        return None if v is None or v == "" else v


def _line_amount(props: dict[str, str]) -> str | None:
    try:
        qty = Decimal(props.get("quantity") or "0")
        price = Decimal(props.get("price") or "0")
        discount = Decimal(props.get("discount") or "0")
        pct = Decimal(props.get("hs_discount_percentage") or "0")
    except InvalidOperation:
        return None
    if not props.get("price"):
        return None
    net = qty * (price - discount) * (Decimal(1) - pct / Decimal(100))
    return format(net.quantize(Decimal("0.01")).normalize(), "f")


@dataclass
class _TypeTable:
    by_id: dict[int, HsRecord] = field(default_factory=dict)
    ids: list[int] = field(default_factory=list)  # ascending


Edge = tuple[str, int]  # (object type name, id)


class RecordStore:
    """Records of every stored object type and the associations between them (thread-safe)."""

    def __init__(self, first_id: int = 10_000_001) -> None:
        self.lock = threading.RLock()
        self._next_id = first_id
        self._tables: dict[str, _TypeTable] = {name: _TypeTable() for name in STORED}
        self._edges: dict[Edge, dict[Edge, set[int]]] = {}
        self._indexes: dict[tuple[str, str], dict[str, set[int]]] = {}
        self.version = 0  # bumped by every record change (search result caches key on it)

    def touch(self) -> None:
        """Note that some record changed outside the methods below (e.g. an admin stamp edit)."""
        with self.lock:
            self.version += 1

    # -- records ------------------------------------------------------------------------
    def create(
        self,
        t: ObjectType,
        props: dict[str, str],
        *,
        created: datetime | None = None,
        updated: datetime | None = None,
        source: str = "API",
    ) -> HsRecord:
        """Store a new record; stamps default to now; ``source`` is the history's sourceType.

        A record given only its modification stamp was created then, never after it.
        """
        with self.lock:
            rid = self._next_id
            self._next_id += 1
            at = created or (min(now(), updated) if updated else now())
            rec = HsRecord(rid, t, {k: v for k, v in props.items() if v != ""}, at, updated or at)
            rec.remember(rec.props, at, source)
            table = self._tables[t.name]
            table.by_id[rid] = rec
            table.ids.append(rid)
            self._reindex(rec, None, rec.props)
            self.version += 1
            return rec

    def get(self, t: ObjectType, rid: int, *, archived: bool = False) -> HsRecord | None:
        """A record by id; archived ones only when ``archived`` is true (and then only those)."""
        with self.lock:
            rec = self._tables[t.name].by_id.get(rid)
        if rec is None or (rec.archived_at is not None) != archived:
            return None
        return rec

    def any(self, t: ObjectType, rid: int) -> HsRecord | None:
        """A record by id whether archived or not."""
        with self.lock:
            return self._tables[t.name].by_id.get(rid)

    def update(
        self,
        rec: HsRecord,
        props: dict[str, str],
        *,
        at: datetime | None = None,
        source: str = "API",
    ) -> bool:
        """Apply values; bumps the stamp only when a value changed. Returns whether one did."""
        with self.lock:
            changed = {k: v for k, v in props.items() if (rec.props.get(k) or "") != v}
            before = {k: rec.props.get(k, "") for k in changed}
            for key, value in changed.items():
                if value == "":
                    rec.props.pop(key, None)
                else:
                    rec.props[key] = value
            self._reindex(rec, before, {k: rec.props.get(k, "") for k in before})
            if changed:
                rec.updated = at or max(now(), rec.updated)
                rec.remember(changed, rec.updated, source)
                self.version += 1
            return bool(changed)

    def archive(self, rec: HsRecord) -> None:
        """Archive (soft-delete) a record; its modification stamp is *not* bumped."""
        with self.lock:
            if rec.archived_at is None:
                rec.archived_at = now()
                self.version += 1

    def restore(self, rec: HsRecord) -> None:
        """Bring an archived record back; its modification stamp is *not* bumped."""
        with self.lock:
            rec.archived_at = None
            self.version += 1

    def delete(self, t: ObjectType, rid: int) -> bool:
        """Remove a record for good (GDPR delete / purge), with its associations."""
        with self.lock:
            table = self._tables[t.name]
            rec = table.by_id.pop(rid, None)
            if rec is None:
                return False
            self._reindex(rec, rec.props, None)
            self.version += 1
            pos = bisect.bisect_left(table.ids, rid)
            if pos < len(table.ids) and table.ids[pos] == rid:
                table.ids.pop(pos)
            me = (t.name, rid)
            for other in list(self._edges.get(me, {})):
                self._edges.get(other, {}).pop(me, None)
            self._edges.pop(me, None)
            return True

    def page(
        self, t: ObjectType, after: int, limit: int, *, archived: bool
    ) -> tuple[list[HsRecord], int | None]:
        """Records with id ≥ ``after`` in id order, and the ``after`` of the next page."""
        out: list[HsRecord] = []
        with self.lock:
            table = self._tables[t.name]
            pos = bisect.bisect_left(table.ids, after)
            while pos < len(table.ids):
                rec = table.by_id[table.ids[pos]]
                pos += 1
                if (rec.archived_at is not None) != archived:
                    continue
                if len(out) == limit:
                    return out, rec.id
                out.append(rec)
        return out, None

    def records(self, t: ObjectType, *, archived: bool = False) -> Iterator[HsRecord]:
        """A snapshot iterator over a type's records (active or archived), in id order."""
        with self.lock:
            table = self._tables[t.name]
            snapshot = [table.by_id[i] for i in table.ids]
        return (r for r in snapshot if (r.archived_at is not None) == archived)

    def count(self, t: ObjectType) -> int:
        """Number of records (archived included) of a type."""
        with self.lock:
            return len(self._tables[t.name].ids)

    def lookup(self, t: ObjectType, prop: str, value: str) -> list[HsRecord]:
        """Records (archived ones too) whose stored ``prop`` is ``value``, by id."""
        with self.lock:
            key = (t.name, prop)
            index = self._indexes.get(key)
            table = self._tables[t.name]
            if index is None:
                index = {}
                for rec in table.by_id.values():
                    held = rec.props.get(prop)
                    if held:
                        index.setdefault(held, set()).add(rec.id)
                self._indexes[key] = index
            return [table.by_id[i] for i in sorted(index.get(value, ()))]

    def _reindex(
        self, rec: HsRecord, old: dict[str, str] | None, new: dict[str, str] | None
    ) -> None:
        """Move ``rec`` in the value indexes from its ``old`` values to its ``new`` ones."""
        for (type_name, prop), index in self._indexes.items():
            if type_name != rec.otype.name:
                continue
            if old and old.get(prop):
                index.get(old[prop], set()).discard(rec.id)
            if new and new.get(prop):
                index.setdefault(new[prop], set()).add(rec.id)

    # -- associations ---------------------------------------------------------------------
    def associate(self, a: Edge, b: Edge, type_id: int, inverse_id: int) -> None:
        """Add a directed type (and its inverse); no record's stamp changes."""
        with self.lock:
            self.version += 1  # not a stamp: only invalidates cached searches
            self._edges.setdefault(a, {}).setdefault(b, set()).add(type_id)
            self._edges.setdefault(b, {}).setdefault(a, set()).add(inverse_id)

    def dissociate(self, a: Edge, b: Edge, pairs: list[tuple[int, int]] | None = None) -> None:
        """Remove some (type, inverse) pairs, or every association between ``a`` and ``b``."""
        with self.lock:
            self.version += 1
            fwd = self._edges.get(a, {}).get(b)
            back = self._edges.get(b, {}).get(a)
            if pairs is None:
                self._edges.get(a, {}).pop(b, None)
                self._edges.get(b, {}).pop(a, None)
                return
            for tid, inv in pairs:
                if fwd is not None:
                    fwd.discard(tid)
                if back is not None:
                    back.discard(inv)
            if fwd is not None and not fwd:
                self._edges[a].pop(b, None)
            if back is not None and not back:
                self._edges[b].pop(a, None)

    def associated(self, a: Edge, to_type: str) -> list[tuple[int, set[int]]]:
        """(to id, type ids) of ``a``'s live associations with records of ``to_type``, by id."""
        with self.lock:
            out = [
                (oid, set(types))
                for (otype, oid), types in self._edges.get(a, {}).items()
                if otype == to_type and types and self._live(otype, oid)
            ]
        return sorted(out)

    def _live(self, type_name: str, rid: int) -> bool:
        rec = self._tables[type_name].by_id.get(rid) if type_name in self._tables else None
        return rec is not None and rec.archived_at is None
