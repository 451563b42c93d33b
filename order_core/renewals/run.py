"""The daily renewal run: notices for subscriptions entering their windows, then lapses past the end.

``run_renewals(engine, as_of)`` walks the subscriptions in chunks of ``CHUNK`` (by id), each
chunk one transaction, so memory stays flat and a crash keeps what was done. It is idempotent:
the same day twice changes nothing, and a skipped day is caught up (the window now due is sent,
a term that ended meanwhile lapses). A subscription past its end with ``auto_renew`` and an open
renewal is renewed instead of lapsing.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from order_core.actors import Actor, require_vendor
from order_core.audit import AuditEntry, audit_rows
from order_core.bulk_sql import one_of
from order_core.errors import DomainError
from order_core.licenses.models import License, Subscription
from order_core.outbox import EventRow, OutboxEvent, event_rows
from order_core.renewals.links import open_renewals
from order_core.renewals.models import Renewal
from order_core.renewals.notices import RunCache, send_notices
from order_core.renewals.self_renew import renew
from order_core.rowbatch import insert_rows, table_of
from order_core.settings import get_settings

CHUNK = 500  # bulk_sql.one_of takes at most bulk_sql.CHUNK keys
_SUBS = table_of(Subscription)
_RENEWALS = table_of(Renewal)
_LICENSES = table_of(License)
_EVENTS = table_of(OutboxEvent)
_AUDIT = table_of(AuditEntry)


@dataclass
class RenewalRunReport:
    """What one renewal run did (figures only)."""

    as_of: date
    windows: list[int]
    checked: int = 0
    renewals_created: int = 0
    notices_sent: int = 0
    auto_renewed: int = 0
    lapsed: int = 0
    licenses_expired: int = 0
    renewals_cancelled: int = 0
    failed: int = 0
    failures: list[str] = field(default_factory=list)  # the first few, each naming its subscription
    seconds: float = 0.0

    def fail(self, messages: list[str]) -> None:
        """Count failures and keep the first 20 messages."""
        self.failed += len(messages)
        self.failures.extend(messages[: max(0, 20 - len(self.failures))])

    def as_dict(self) -> dict[str, Any]:
        """The figures as JSON-able values."""
        data = asdict(self)
        data["as_of"] = self.as_of.isoformat()
        data["seconds"] = round(self.seconds, 3)
        return data


def _chunk(session: Session, where: list[Any], after: int) -> list[Subscription]:
    stmt = select(Subscription).where(*where, col(Subscription.id) > after)
    return list(session.exec(stmt.order_by(col(Subscription.id)).limit(CHUNK)))


def _rows(session: Session, where: list[Any], after: int) -> list[Any]:
    """A chunk as Core rows (the notices only read them: no ORM objects to build)."""
    stmt = _SUBS.select().where(*where, _SUBS.c.id > after).order_by(_SUBS.c.id).limit(CHUNK)
    return list(session.execute(stmt))


def _notice_phase(engine: Engine, actor: Actor, as_of: date, report: RenewalRunReport) -> None:
    cache = RunCache()
    horizon = as_of + timedelta(days=report.windows[0])
    where = [
        Subscription.status == "active",
        col(Subscription.term_end) >= as_of,
        col(Subscription.term_end) <= horizon,
    ]
    after = 0
    while True:
        with Session(engine) as session:
            subs = _rows(session, where, after)
            if not subs:
                return
            after = subs[-1].id
            counts = send_notices(session, actor, subs, as_of, report.windows, cache)
            session.commit()
        report.checked += len(subs)
        report.renewals_created += counts.created
        report.notices_sent += counts.notices
        report.fail(counts.failures)


def _lapse(
    session: Session, actor: Actor, subs: list[Subscription], report: RenewalRunReport
) -> None:
    auto = [s.id or 0 for s in subs if s.auto_renew]
    open_ones = open_renewals(session, auto)
    lapsing: list[Subscription] = []
    for sub in subs:
        found = open_ones.get(sub.id or 0)
        if found is not None and found.term_end == sub.term_end:
            try:
                with session.begin_nested():  # a renewal that fails leaves nothing behind
                    session.refresh(found, with_for_update=True)
                    renew(session, actor, found, name="auto-renewal", email=None, po_number=None)
                report.auto_renewed += 1
                continue
            except DomainError as exc:
                report.fail([f"subscription {sub.id}: auto-renewal failed, lapses: {exc.message}"])
        lapsing.append(sub)
    if not lapsing:
        return
    lapsed_ids = [s.id or 0 for s in lapsing]
    session.execute(
        update(_SUBS).where(one_of(session, _SUBS.c.id, lapsed_ids)).values(status="expired")
    )
    session.execute(
        update(_RENEWALS)
        .where(
            one_of(session, _RENEWALS.c.subscription_id, lapsed_ids), _RENEWALS.c.state == "open"
        )
        .values(state="lapsed")
    )
    license_ids = [s.license_id for s in lapsing if s.license_id is not None]
    if license_ids:
        done = session.execute(
            update(_LICENSES)
            .where(one_of(session, _LICENSES.c.id, license_ids), _LICENSES.c.status == "active")
            .values(status="expired")
        )
        report.licenses_expired += done.rowcount  # type: ignore[attr-defined]
    events: list[EventRow] = [
        ("prm.webhook", "subscription", s.id,
         {"event": "subscription.lapsed", "subscription_id": s.id, "sku": s.sku,
          "term_end": s.term_end.isoformat(), "end_customer_id": s.end_customer_id},
         s.reseller_id)
        for s in lapsing
    ]  # fmt: skip
    audits = audit_rows(
        actor,
        [("lapse", "subscription", s.id, {"status": "expired"}, s.reseller_id) for s in lapsing],
    )
    insert_rows(session, [(_EVENTS, event_rows(events)), (_AUDIT, audits)])
    report.lapsed += len(lapsing)


def _lapse_phase(engine: Engine, actor: Actor, as_of: date, report: RenewalRunReport) -> None:
    where = [Subscription.status == "active", col(Subscription.term_end) < as_of]
    after = 0
    while True:
        with Session(engine) as session:
            subs = _chunk(session, where, after)
            if not subs:
                break
            after = subs[-1].id or 0
            _lapse(session, actor, subs, report)
            session.commit()
    with Session(engine) as session:
        cancelled = select(Subscription.id).where(Subscription.status == "cancelled")
        done = session.execute(
            update(_RENEWALS)
            .where(_RENEWALS.c.state == "open", _RENEWALS.c.subscription_id.in_(cancelled))
            .values(state="cancelled")
        )
        report.renewals_cancelled = done.rowcount  # type: ignore[attr-defined]
        session.commit()


def run_renewals(engine: Engine, as_of: date, *, actor: Actor | None = None) -> RenewalRunReport:
    """Run the renewals of ``as_of``: notices and renewal quotes, auto-renewals, lapses (vendor)."""
    who = actor or Actor.system("renewals")
    require_vendor(who, "sales_ops", action="run renewals")
    started = time.perf_counter()
    report = RenewalRunReport(as_of=as_of, windows=list(get_settings().renewal_notice_days))
    _notice_phase(engine, who, as_of, report)
    _lapse_phase(engine, who, as_of, report)
    report.seconds = time.perf_counter() - started
    return report
