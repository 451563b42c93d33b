"""The incremental pull of one connection: CRM pages -> mapping -> core, object by object.

Objects go parents first (accounts, contacts, deals, line items). Each page is applied in its own
short transaction together with the cursor that covers it, and no transaction is open while the
CRM is called, so a crash anywhere loses nothing and a re-run repeats nothing that was written.
After the change stream: archived records (CRMs whose stream carries no deletions), restores, a
periodic full re-read of objects whose associations the mapping reads (an association change
bumps no stamp), and the quarantine's retries.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.engine import Engine
from sqlmodel import Session

from connector.errors import BudgetExhausted, CrmError
from connector.source import CrmSource, Cursor, Page
from connector.sync.ahead import read_ahead
from connector.sync.pacing import TransactionPacer
from connector.sync.payloads import Payloads, from_payload, to_core
from connector.sync.report import ObjectReport, RunReport
from mappings.engine import Mapping
from mappings.records import RawRecord
from order_core.actors import Actor
from order_core.db import checkpoint, connection_session, others_committed
from order_core.sync.apply import apply_page
from order_core.sync.cursors import read_cursor, read_full_refresh, reset_cursor, save_full_refresh
from order_core.sync.links import iter_linked_ids
from order_core.sync.quarantine import retryable
from order_core.sync.records import TARGETS, SyncPage
from order_core.sync.runs import finish_run, start_run
from order_core.types import utcnow

Progress = Callable[[str, ObjectReport], None]


class UnknownObjects(ValueError):
    """Objects asked for that the connection's mapping does not map."""


@dataclass(frozen=True)
class PullOptions:
    """What to pull: some objects only, from scratch (``full``), with or without quarantine retries."""

    objects: Sequence[str] | None = None
    full: bool = False
    retry_quarantine: bool = True
    association_refresh_hours: int = 24


def _cursor_text(cursor: tuple[object, str] | None) -> str | None:
    return None if cursor is None else f"{cursor[0]} {cursor[1]}"


class Puller:
    """Runs pulls of one connection into the core database."""

    def __init__(
        self,
        name: str,
        source: CrmSource,
        mapping: Mapping,
        engine: Engine,
        *,
        actor: Actor | None = None,
        progress: Progress | None = None,
        transaction_records: int | None = None,
    ) -> None:
        self.name = name
        self.source = source
        self.mapping = mapping
        self.engine = engine
        self.actor = actor or Actor.system(f"sync:{name}")
        self.progress = progress or (lambda _obj, _report: None)
        self.pacer = TransactionPacer.for_dialect(engine.dialect.name, transaction_records)

    def run(self, options: PullOptions | None = None) -> RunReport:
        """Pull every mapped object (or the chosen ones); the report says how it ended."""
        opts = options or PullOptions()
        objects = self.check_objects(opts.objects)  # refused before anything is written
        report = RunReport(self.name)
        started, calls_before = time.monotonic(), self.source.budget.calls
        with connection_session(self.engine, checkpoints_apart=True) as session:
            run_id = start_run(self.name, session=session, actor=self.actor)
            try:
                if opts.full:
                    for obj in objects:
                        reset_cursor(session, self.name, obj)
                    session.commit()
                for obj in objects:
                    self._pull_object(session, obj, report.object(obj), opts)
                if opts.retry_quarantine:
                    self._retry_quarantine(session, report.retried, everything=False)
                report.status = "ok"
            except BudgetExhausted as exc:
                report.status, report.message = "stopped", str(exc)
            except CrmError as exc:
                report.status, report.message = "failed", str(exc)
            finally:
                session.rollback()
                report.api_calls = self.source.budget.calls - calls_before
                report.budget_left = self.source.budget.left
                report.seconds = round(time.monotonic() - started, 3)
                finish_run(
                    run_id, report.status, report.as_dict(), session=session, actor=self.actor
                )
        return report

    def check_objects(self, chosen: Sequence[str] | None) -> list[str]:
        """The mapped objects to pull (all when ``chosen`` is None); ``UnknownObjects`` names the
        ones the mapping does not map."""
        known = self.mapping.objects
        if chosen is None:
            return known
        unknown = [o for o in chosen if o not in known]
        if unknown:
            raise UnknownObjects(
                f"{self.name}: the mapping has no object {', '.join(unknown)}; it maps {', '.join(known)}"
            )
        return [o for o in known if o in chosen]

    def _apply(self, session: Session, obj: str, page: Page, rep: ObjectReport) -> None:
        """Map a page and apply it in short transactions (sized by ``TransactionPacer``).

        Short transactions let checkouts in between (on SQLite every transaction holds the write
        lock). Only the last one moves the cursor: if the run stops in between, the next one
        reads the page again and the part already applied writes nothing (equal digests).
        """
        payloads = Payloads(page.records)
        cursor = None if page.cursor is None else (page.cursor.stamp, page.cursor.last_id)
        start, total = 0, len(page.records)
        while True:
            part = page.records[start : start + self.pacer.size()]
            start += len(part)
            last = start >= total
            core = to_core(self.mapping.apply(obj, part))
            core_page = SyncPage(
                self.name, obj, core, payloads, self.mapping.version, cursor if last else None
            )
            began = time.perf_counter()
            rep.add(apply_page(core_page, session=session, actor=self.actor), len(part))
            spent = time.perf_counter() - began
            self.pacer.took(len(part), spent, others_wrote=others_committed(session))
            # After the transaction, and beside the next one only while the pull writes alone:
            # beside others' transactions it would slow them.
            checkpoint(session, wait=not self.pacer.alone())
            if last:
                break
        if cursor is not None:
            rep.cursor_after = _cursor_text(cursor)
        self.progress(obj, rep)

    def _pull_object(
        self, session: Session, obj: str, rep: ObjectReport, opts: PullOptions
    ) -> None:
        started, calls, begun = time.monotonic(), self.source.budget.calls, utcnow()
        saved = read_cursor(session, self.name, obj)
        full_at = read_full_refresh(session, self.name, obj)
        session.commit()  # no transaction stays open while the CRM is called
        others_committed(session)  # from now on: the first transaction already tells
        rep.cursor_before = rep.cursor_after = _cursor_text(saved)
        since = None if saved is None else Cursor(*saved)
        fields, assocs = self.mapping.crm_fields(obj), self.mapping.associations(obj)
        try:
            # The next page is read while this one is applied (at most one page waits), but
            # only while the pull writes alone: decoding it would hold others' lock waits.
            pages = self.source.changed(obj, fields, assocs, since)
            for page in read_ahead(pages, ahead=self.pacer.alone):
                self._apply(session, obj, page, rep)
            self._deletions(session, obj, rep)
            due = full_at is None or begun - full_at >= timedelta(
                hours=opts.association_refresh_hours
            )
            if assocs and (saved is None or due):
                # A stream from the start read every record with its associations: that is a
                # full refresh already, so the next run need not re-read them all again. The
                # refresh dates from before the reads: a change made meanwhile is not skipped.
                if saved is not None:
                    refresh_from = utcnow()
                    self._refetch(session, obj, rep, deleted=False)
                else:
                    refresh_from = begun
                save_full_refresh(session, self.name, obj, refresh_from)
                session.commit()
        finally:
            rep.api_calls += self.source.budget.calls - calls
            rep.seconds = round(rep.seconds + time.monotonic() - started, 3)

    def _deletions(self, session: Session, obj: str, rep: ObjectReport) -> None:
        """Archived records (a stream without deletions), then restores of archived ones."""
        archived: set[str] = set()
        for batch in self.source.deleted_ids(obj):
            archived.update(r.crm_id for r in batch)
            self._apply(session, obj, Page(batch, None), rep)
        if not self.source.carries_deletions:
            self._refetch(session, obj, rep, deleted=True, skip=archived)

    def _refetch(
        self,
        session: Session,
        obj: str,
        rep: ObjectReport,
        *,
        deleted: bool,
        skip: Iterable[str] = (),
    ) -> None:
        """Re-read linked records of ``obj`` (deleted ones: to find restores), applying what changed."""
        fields, assocs = self.mapping.crm_fields(obj), self.mapping.associations(obj)
        skipped = set(skip)
        for target in dict.fromkeys(self.mapping.targets_of(obj)):
            for ids in iter_linked_ids(session, self.name, target, deleted=deleted):
                wanted = [i for i in ids if i not in skipped]
                if wanted:
                    self._apply(
                        session,
                        obj,
                        Page(self.source.fetch(obj, wanted, fields, assocs), None),
                        rep,
                    )

    def pull_ids(self, obj: str, crm_ids: Sequence[str]) -> tuple[ObjectReport, list[str]]:
        """Fetch the named records of ``obj`` now and apply what changed (a targeted pull).

        The change stream's cursor does not move: the next pull reads these records again and
        writes nothing for them (equal digests). Returns the report and the ids the CRM did not
        return (deleted, merged away or never there; the regular pull handles deletions).
        """
        self.check_objects([obj])
        rep, started, calls = ObjectReport(obj), time.monotonic(), self.source.budget.calls
        fields, assocs = self.mapping.crm_fields(obj), self.mapping.associations(obj)
        try:
            records = self.source.fetch(obj, crm_ids, fields, assocs)
            with connection_session(self.engine, checkpoints_apart=True) as session:
                self._apply(session, obj, Page(records, None), rep)
        finally:
            rep.api_calls = self.source.budget.calls - calls
            rep.seconds = round(time.monotonic() - started, 3)
        found = {r.crm_id for r in records}
        return rep, [i for i in dict.fromkeys(crm_ids) if i not in found]

    def repull(
        self, obj: str, records: Sequence[RawRecord], gone: dict[str, datetime] | None = None
    ) -> ObjectReport:
        """Apply records of ``obj`` read apart from the change stream (reconcile's repair), and the
        ``gone`` ones (CRM id -> the stamp the core holds) as deletions unless the CRM still has
        them: re-read by id first, so only what the CRM no longer returns is deleted."""
        rep = ObjectReport(obj)
        pending = list(records)
        if gone:
            fields, assocs = self.mapping.crm_fields(obj), self.mapping.associations(obj)
            found = self.source.fetch(obj, list(gone), fields, assocs)
            returned = {r.crm_id for r in found}
            pending += found
            pending += [
                RawRecord(crm_id, stamp, {}, deleted=True)
                for crm_id, stamp in gone.items()
                if crm_id not in returned
            ]
        with connection_session(self.engine, checkpoints_apart=True) as session:
            self._apply(session, obj, Page(pending, None), rep)
        return rep

    def _retry_quarantine(self, session: Session, rep: ObjectReport, *, everything: bool) -> None:
        """Retry quarantined records whose parent has arrived or that an older mapping refused
        (``everything``: all of them), each at most once per call, parents before children; a
        round that releases parents lets the next round retry their waiting children."""
        tried: set[tuple[str, str]] = set()
        for _ in range(len(TARGETS)):
            progress, after = False, 0
            while True:
                version = self.mapping.version
                batch = retryable(
                    session, self.name, version=version, everything=everything, after=after
                )
                session.commit()
                if not batch:
                    break
                after = batch[-1].id or after
                todo = [e for e in batch if (e.target, e.crm_id) not in tried]
                todo.sort(
                    key=lambda e: TARGETS.index(e.target) if e.target in TARGETS else len(TARGETS)
                )
                by_object: dict[str, list[RawRecord]] = {}
                for e in todo:
                    tried.add((e.target, e.crm_id))
                    if e.crm_object in self.mapping.routes:
                        by_object.setdefault(e.crm_object, []).append(from_payload(e.payload))
                for obj, records in by_object.items():
                    self._apply(session, obj, Page(records, None), rep)
                progress = progress or bool(todo)
            if not progress:
                return

    def pull_records(self, obj: str, crm_ids: Sequence[str]) -> RunReport:
        """:meth:`pull_ids` as a run report (a re-sync by id): ``failed`` with the CRM's error."""
        report = RunReport(self.name)
        calls = self.source.budget.calls
        try:
            report.objects[obj], _missing = self.pull_ids(obj, crm_ids)
            report.status = "ok"
        except CrmError as exc:
            report.status, report.message = "failed", str(exc)
        report.api_calls = self.source.budget.calls - calls
        report.budget_left = self.source.budget.left
        report.seconds = report.object(obj).seconds
        return report

    def retry_all(self) -> ObjectReport:
        """``sync quarantine retry``: every quarantined record of this connection, under today's mapping."""
        rep = ObjectReport("quarantine retry")
        with connection_session(self.engine, checkpoints_apart=True) as session:
            self._retry_quarantine(session, rep, everything=True)
        return rep
