"""Reconcile one connection: read every mapped CRM object, compare it with the core, report drift.

The CRM side is the pull's change stream read from the start, a page at a time; each page is
mapped and compared with the core's links of its ids (the digest and stamp of what was applied,
and whether the core row is still there). Memory stays flat in the number of records: besides
the page in hand only a 64-bit hash of each CRM id read is kept, to find afterwards, reading the
core's live links back in chunks, the records the CRM did not return. (Two ids with one hash
would hide one missing record: about one chance in 10^9 at a million records.)

``repair`` re-pulls the drifted records through the pull's own apply path: the records of the
page in hand (no second read), links whose core row is gone dropped first so the record is
written again; the records the CRM did not return are read again by id and what the CRM no
longer has is applied as deleted.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.engine import Engine
from sqlmodel import Session

from connector.connections import Connections
from connector.sync.drift_report import ObjectDrift, ReconcileReport
from connector.sync.pull import Puller
from connector.sync.run import connection_named, open_puller
from mappings.records import MappedRecord, RawRecord, Rejected
from order_core.db import connection_session
from order_core.sync.drift import core_side, drop_dangling_links
from order_core.sync.links import iter_linked_ids


def reconcile_connection(
    name: str, engine: Engine, *, repair: bool = False, connections: Connections | None = None
) -> ReconcileReport:
    """Compare connection ``name``'s CRM with the core (and re-pull what drifted when ``repair``).

    ``connections`` defaults to the configured ones (``CHANNELSYNC_CONNECTIONS_FILE`` or the
    sandboxes). A bad connection name or mapping raises ``SetupError``; a CRM failure
    ``CrmError``.
    """
    puller = open_puller(connection_named(name, connections), engine, None)
    try:
        return Reconciler(puller).run(repair=repair)
    finally:
        puller.source.close()


class Reconciler:
    """Compares one connection's CRM with the core, object by object, parents first."""

    def __init__(self, puller: Puller) -> None:
        self.puller = puller
        self.name = puller.name
        self.mapping = puller.mapping

    def run(self, *, repair: bool = False, objects: Sequence[str] | None = None) -> ReconcileReport:
        """Every mapped object (or those of ``objects``) compared and, with ``repair``, repaired;
        the report counts drift by kind."""
        report = ReconcileReport(self.name, repair)
        budget = self.puller.source.budget
        started, calls = time.monotonic(), budget.calls
        try:
            with connection_session(self.puller.engine) as session:
                for obj in self.mapping.objects:
                    if objects is not None and obj not in objects:
                        continue
                    self._object(session, obj, report.object(obj), repair)
        finally:
            report.api_calls = budget.calls - calls
            report.seconds = round(time.monotonic() - started, 3)
        return report

    def _object(self, session: Session, obj: str, rep: ObjectDrift, repair: bool) -> None:
        targets = list(dict.fromkeys(self.mapping.targets_of(obj)))
        seen: dict[str, set[int]] = {t: set() for t in targets}
        fields, assocs = self.mapping.crm_fields(obj), self.mapping.associations(obj)
        for page in self.puller.source.changed(obj, fields, assocs, None):
            drifted, dangling = self._compare(session, obj, page.records, rep, seen)
            if repair and drifted:
                for target, ids in dangling.items():
                    drop_dangling_links(
                        self.name, target, ids, session=session, actor=self.puller.actor
                    )
                self._repulled(rep, obj, [r for r in page.records if r.crm_id in drifted])
        for target in targets:
            for ids in iter_linked_ids(session, self.name, target, deleted=False):
                rep.core += len(ids)
                gone = [i for i in ids if hash(i) not in seen[target]]
                for crm_id in gone:
                    rep.add("missing_in_crm", crm_id)
                if repair and gone:
                    side = core_side(
                        self.name, target, gone, session=session, actor=self.puller.actor
                    )
                    stamps = {i: side.states[i].stamp for i in gone if i in side.states}
                    self._repulled(rep, obj, [], stamps)

    def _compare(
        self,
        session: Session,
        obj: str,
        records: Sequence[RawRecord],
        rep: ObjectDrift,
        seen: dict[str, set[int]],
    ) -> tuple[set[str], dict[str, list[str]]]:
        """Classify one page; returns the drifted CRM ids and, per target, those whose link
        points at a core row that is gone."""
        by_target: dict[str, list[MappedRecord | Rejected]] = {}
        for rec in self.mapping.apply(obj, records):
            by_target.setdefault(rec.target, []).append(rec)
        drifted: set[str] = set()
        dangling: dict[str, list[str]] = {}
        for target, recs in by_target.items():
            ids = [r.crm_id for r in recs]
            side = core_side(self.name, target, ids, session=session, actor=self.puller.actor)
            for rec in recs:
                seen[target].add(hash(rec.crm_id))
                state = side.states.get(rec.crm_id)
                kind = ""
                if isinstance(rec, Rejected):
                    if rec.crm_id in side.quarantined or state is None or not state.live:
                        rep.quarantined += 1
                    else:  # the core holds values the CRM no longer has; a pull would hold it
                        kind = "stale" if rec.stamp > state.stamp else "different"
                elif rec.deleted:
                    kind = "missing_in_crm" if state is not None and state.live else ""
                elif state is None or not state.live:
                    rep.crm += 1
                    if rec.crm_id in side.quarantined:
                        rep.quarantined += 1
                    else:
                        kind = "missing_in_core"
                        if state is not None and not state.deleted:
                            dangling.setdefault(target, []).append(rec.crm_id)
                else:
                    rep.crm += 1
                    if state.digest == rec.digest:
                        rep.in_sync += 1
                    else:
                        kind = "stale" if rec.stamp > state.stamp else "different"
                if kind:
                    rep.add(kind, rec.crm_id)
                    drifted.add(rec.crm_id)
        return drifted, dangling

    def _repulled(
        self,
        rep: ObjectDrift,
        obj: str,
        records: list[RawRecord],
        gone: dict[str, datetime] | None = None,
    ) -> None:
        result = self.puller.repull(obj, records, gone)
        rep.repulled += result.read
        rep.repair_quarantined += result.quarantined
