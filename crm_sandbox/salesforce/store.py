"""The in-memory org: records per object, id and stamp bookkeeping, undo journal for allOrNone.

External-id and unique fields are indexed (built on first lookup, kept up to date by every write
here), so an upsert finds its record without a scan; unique fields refuse a second live record
with the same value (``DUPLICATE_VALUE``), as a real org does, unless a write asks not to check
(the admin API builds duplicates on purpose).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from crm_sandbox.salesforce import ids
from crm_sandbox.salesforce.derive import derive
from crm_sandbox.salesforce.errors import SalesforceApiError, not_found
from crm_sandbox.salesforce.objects import build_objects
from crm_sandbox.salesforce.objects_commerce import ACTIVATED_STATUSES, ORDER_STATUSES
from crm_sandbox.salesforce.schema import FieldDef, ObjectDef
from crm_sandbox.salesforce.values import Value, WriteClock

Record = dict[str, Value]
#: When the org's fixed setup records (``OrderStatus``) were made: the same in every sandbox.
ORG_SET_UP = datetime(2020, 1, 1, tzinfo=UTC)
Index = dict[Value, set[str]]


def _index_key(fd: FieldDef, value: Value) -> Value:
    return value.casefold() if isinstance(value, str) and fd.is_string else value


def _indexed(fd: FieldDef) -> bool:
    return fd.external_id or fd.unique


class Store:
    """Records of every object, keyed by 18-character id; one re-entrant lock guards it all."""

    def __init__(self) -> None:
        self.objects: dict[str, ObjectDef] = build_objects()
        self.by_prefix = {o.key_prefix: o for o in self.objects.values()}
        self.records: dict[str, dict[str, Record]] = {name: {} for name in self.objects}
        self.ids = ids.IdFactory()
        self.clock = WriteClock()
        self.lock = threading.RLock()
        self.autonumbers: dict[str, int] = {}
        self._journal: list[tuple[str, str, Record | None]] | None = None
        self._indexes: dict[tuple[str, str], Index] = {}
        #: Order statuses in the ``Activated`` category (the admin API changes them).
        self.activated_order_statuses: frozenset[str] = ACTIVATED_STATUSES
        for n, status in enumerate(ORDER_STATUSES, 1):
            code = "Activated" if status in ACTIVATED_STATUSES else "Draft"
            values: Record = {"ApiName": status, "MasterLabel": status, "StatusCode": code}
            values |= {"SortOrder": n, "IsDefault": n == 1}
            self.insert("OrderStatus", values, stamp=ORG_SET_UP, created=ORG_SET_UP)

    def set_activated_order_statuses(self, statuses: frozenset[str]) -> None:
        """Put these order statuses in the ``Activated`` category, the rest in ``Draft``: the
        ``OrderStatus`` records and every order's ``StatusCode`` follow (orders' stamps stay)."""
        with self.lock:
            self.activated_order_statuses = statuses
            for rec in self.records["OrderStatus"].values():
                code = "Activated" if rec["ApiName"] in statuses else "Draft"
                if rec["StatusCode"] != code:
                    rec["StatusCode"] = code
                    self.touch(rec)
            for rec in self.records["Order"].values():
                activated = rec.get("Status") in statuses
                rec["StatusCode"] = "Activated" if activated else "Draft"

    # -- lookups ---------------------------------------------------------------------------
    def sobject(self, name: str) -> ObjectDef:
        """An object by name (case-insensitive); 404 NOT_FOUND like the real sobjects resource."""
        obj = self.objects.get(name) or next(
            (o for o in self.objects.values() if o.name.lower() == name.lower()), None
        )
        if obj is None:
            raise not_found(f"The requested resource does not exist: sObject type '{name}'")
        return obj

    def type_of(self, record_id: str) -> ObjectDef | None:
        """The object an id belongs to, from its key prefix."""
        return self.by_prefix.get(record_id[:3])

    def find(self, record_id: str) -> tuple[ObjectDef, Record] | None:
        """The record with this (15- or 18-character) id in any object, deleted ones included."""
        norm = ids.normalize(record_id)
        obj = self.type_of(norm) if norm else None
        if norm is None or obj is None:
            return None
        rec = self.records[obj.name].get(norm)
        return None if rec is None else (obj, rec)

    def get(self, sobject: str, record_id: str, *, include_deleted: bool = False) -> Record:
        """A live record of ``sobject``; 404 NOT_FOUND or ENTITY_IS_DELETED otherwise."""
        obj = self.sobject(sobject)
        norm = ids.normalize(record_id)
        rec = self.records[obj.name].get(norm) if norm else None
        if rec is None:
            raise not_found(
                f"Provided external ID field does not exist or is not accessible: {record_id}"
            )
        if rec["IsDeleted"] and not include_deleted:
            raise SalesforceApiError(404, "ENTITY_IS_DELETED", "entity is deleted")
        return rec

    def find_by(self, sobject: str, field_name: str, value: Value) -> list[Record]:
        """Live records whose ``field_name`` equals ``value`` (strings case-insensitively)."""
        obj = self.sobject(sobject)
        fd = obj.field(field_name)
        if fd is None:
            return []
        want = _index_key(fd, value)
        with self.lock:
            table = self.records[obj.name]
            if _indexed(fd):
                found = (table[i] for i in sorted(self._index(obj, fd).get(want, ())))
                return [rec for rec in found if not rec["IsDeleted"]]
            return [
                rec
                for rec in table.values()
                if _index_key(fd, rec.get(fd.name)) == want and not rec["IsDeleted"]
            ]

    def _index(self, obj: ObjectDef, fd: FieldDef) -> Index:
        index = self._indexes.get((obj.name, fd.name))
        if index is None:
            index = {}
            for rid, rec in self.records[obj.name].items():
                key = _index_key(fd, rec.get(fd.name))
                if key is not None:
                    index.setdefault(key, set()).add(rid)
            self._indexes[(obj.name, fd.name)] = index
        return index

    def _reindex(self, obj: ObjectDef, rid: str, before: Record, after: Record) -> None:
        for fd in obj.fields:
            index = self._indexes.get((obj.name, fd.name))
            if index is None:
                continue
            old, new = _index_key(fd, before.get(fd.name)), _index_key(fd, after.get(fd.name))
            if old == new:
                continue
            if old is not None:
                index.get(old, set()).discard(rid)
            if new is not None:
                index.setdefault(new, set()).add(rid)

    def _check_unique(self, obj: ObjectDef, values: Record, rid: str | None) -> None:
        """DUPLICATE_VALUE when a unique field's new value is another live record's."""
        for name, value in values.items():
            fd = obj.by_name.get(name)
            if fd is None or not fd.unique or value is None or value == "":
                continue
            for other in self.find_by(obj.name, fd.name, value):
                if other["Id"] != rid:
                    raise SalesforceApiError(
                        400,
                        "DUPLICATE_VALUE",
                        f"duplicate value found: {fd.name} duplicates value on record with id: "
                        f"{other['Id']}",
                    )

    # -- writes ----------------------------------------------------------------------------
    def insert(
        self,
        sobject: str,
        values: Record,
        *,
        stamp: datetime | None = None,
        created: datetime | None = None,
        check_unique: bool = True,
    ) -> Record:
        """Create a record from validated values; ``stamp``/``created`` for seed data in the past."""
        obj = self.sobject(sobject)
        with self.lock:
            if check_unique:
                self._check_unique(obj, values, None)
            at = stamp or self.clock.next()
            rec: Record = {fd.name: (False if fd.type == "boolean" else None) for fd in obj.fields}
            rec.update(values)
            rec["Id"] = self.ids.new(obj.key_prefix)
            rec.update(
                IsDeleted=False, CreatedDate=created or at, LastModifiedDate=at, SystemModstamp=at
            )
            self._autonumber(obj, rec)
            derive(self, obj, rec)
            self._remember(obj.name, str(rec["Id"]), None)
            self.records[obj.name][str(rec["Id"])] = rec
            self._reindex(obj, str(rec["Id"]), {}, rec)
            return rec

    def update(
        self, sobject: str, record_id: str, values: Record, *, check_unique: bool = True
    ) -> Record:
        """Apply validated values to a live record and bump its stamps."""
        with self.lock:
            rec = self.get(sobject, record_id)
            obj = self.sobject(sobject)
            if check_unique:
                self._check_unique(obj, values, str(rec["Id"]))
            before = dict(rec)
            self._remember(obj.name, str(rec["Id"]), before)
            rec.update(values)
            derive(self, obj, rec)
            self._reindex(obj, str(rec["Id"]), before, rec)
            self.touch(rec)
            return rec

    def delete(self, sobject: str, record_id: str) -> Record:
        """Move a record to the recycle bin (IsDeleted, still visible to queryAll)."""
        with self.lock:
            rec = self.get(sobject, record_id)
            self._remember(self.sobject(sobject).name, str(rec["Id"]), dict(rec))
            rec["IsDeleted"] = True
            self.touch(rec)
            return rec

    def undelete(self, sobject: str, record_id: str) -> Record:
        """Restore a record from the recycle bin."""
        with self.lock:
            rec = self.get(sobject, record_id, include_deleted=True)
            rec["IsDeleted"] = False
            self.touch(rec)
            return rec

    def touch(self, rec: Record, at: datetime | None = None) -> None:
        """Bump LastModifiedDate and SystemModstamp (to ``at`` or the next write stamp)."""
        stamp = at or self.clock.next()
        rec["LastModifiedDate"] = stamp
        rec["SystemModstamp"] = stamp

    def _autonumber(self, obj: ObjectDef, rec: Record) -> None:
        for name, width in (("QuoteNumber", 8), ("OrderNumber", 8)):
            if name in obj.by_name:
                n = self.autonumbers.get(name, 0) + 1
                self.autonumbers[name] = n
                rec[name] = str(n).zfill(width)

    # -- allOrNone -------------------------------------------------------------------------
    def _remember(self, sobject: str, record_id: str, before: Record | None) -> None:
        if self._journal is not None:
            self._journal.append((sobject, record_id, before))

    @contextmanager
    def journal(self) -> Iterator[list[tuple[str, str, Record | None]]]:
        """Record every change made inside the block so :meth:`rollback` can undo it."""
        with self.lock:
            outer, self._journal = self._journal, []
            try:
                yield self._journal
            finally:
                self._journal = outer

    def rollback(self, entries: list[tuple[str, str, Record | None]]) -> None:
        """Undo journaled changes, newest first."""
        with self.lock:
            for sobject, _, _ in entries:  # rebuilt on the next lookup
                for key in [k for k in self._indexes if k[0] == sobject]:
                    del self._indexes[key]
            for sobject, record_id, before in reversed(entries):
                if before is None:
                    self.records[sobject].pop(record_id, None)
                else:
                    self.records[sobject][record_id].clear()
                    self.records[sobject][record_id].update(before)
