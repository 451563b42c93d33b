"""Crash safety of the pull: ``channelsync sync pull`` SIGKILLed at many points, then run again.

One world of several pages per object (page size 200). Each step starts the CLI as a real
subprocess and kills it somewhere; the next step goes on from whatever that left. Between steps
CRM users change, delete and restore records. A last run is left alone; then the core must equal
the CRM (the independent oracle), hold no core row twice, have created each row exactly once
(audit trail), have every cursor at the CRM's last record, and a further run must change nothing.

Kill points (see ``crash.py``): mid-page after the W-th write of a page transaction, as it is about
to commit, just after it committed, parked in a page request (between pages, between objects), a
random moment after a page arrived, and on PostgreSQL blocked mid-page on a locked table.

A new CRM joins by adding a :class:`CrashCase` (its sandbox, page routes, oracle and edits).
"""

from __future__ import annotations

import json
import random
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from crm_sandbox.common.server import SandboxApp
from crm_sandbox.hubspot.objects import STORED
from mappings import Mapping, RawRecord, load_mapping
from order_core.audit import AuditEntry
from order_core.deals.models import Deal, DealLine
from order_core.partners.models import ProgramMembership
from order_core.rowbatch import table_of
from order_core.sync.models import SyncCursor, SyncRecord, SyncRun
from tests.e2e.conftest import Sandboxes, running_sandboxes, write_connections
from tests.e2e.crash import PullRig, database_url
from tests.e2e.oracle import (
    MODELS,
    assert_core_matches,
    hubspot_records,
    mapped,
    salesforce_records,
)

ROOT = Path(__file__).resolve().parents[2]
_LINKS, _AUDITS = table_of(SyncRecord), table_of(AuditEntry)
_CURSORS, _RUNS = table_of(SyncCursor), table_of(SyncRun)


def _live(app: Any, sobject: str) -> list[str]:
    return sorted(i for i, r in app.store.records[sobject].items() if not r["IsDeleted"])


def _dead(app: Any, sobject: str) -> list[str]:
    return sorted(i for i, r in app.store.records[sobject].items() if r["IsDeleted"])


def edit_salesforce(sb: Sandboxes, rng: random.Random) -> None:
    """What users do in the org between two runs: rename, reprice, delete and restore records."""
    app = sb.sf.app
    api = app.admin_api
    for acc in rng.sample(_live(app, "Account"), 4):
        api.change_record("Account", acc, {"Name": f"Renamed {rng.randrange(10**6)}"})
    for opp in rng.sample(_live(app, "Opportunity"), 6):
        api.change_record("Opportunity", opp, {"Amount": rng.randrange(1_000, 90_000)})
    for line in rng.sample(_live(app, "OpportunityLineItem"), 4):
        api.change_record("OpportunityLineItem", line, {"Quantity": rng.randrange(1, 50)})
    for line in _dead(app, "OpportunityLineItem")[:1]:
        api.undelete_record("OpportunityLineItem", line)
    for line in rng.sample(_live(app, "OpportunityLineItem"), 2):
        api.delete_record("OpportunityLineItem", line)


def _hs_ids(sb: Sandboxes, obj: str, *, archived: bool) -> list[str]:
    portal = sb.hs.app.portal
    return sorted(str(r.id) for r in portal.store.records(STORED[obj], archived=archived))


def edit_hubspot(sb: Sandboxes, rng: random.Random) -> None:
    """What users do in the portal between two runs: rename, reprice, archive and restore (the
    last two bump no stamp, as on HubSpot)."""
    api = sb.hs.app  # the HubSpot app is its own admin API
    for company in rng.sample(_hs_ids(sb, "companies", archived=False), 4):
        api.change_record("companies", company, {"name": f"Renamed {rng.randrange(10**6)}"})
    for deal in rng.sample(_hs_ids(sb, "deals", archived=False), 6):
        api.change_record("deals", deal, {"amount": str(rng.randrange(1_000, 90_000))})
    for line in rng.sample(_hs_ids(sb, "line_items", archived=False), 4):
        api.change_record("line_items", line, {"quantity": str(rng.randrange(1, 50))})
    for line in _hs_ids(sb, "line_items", archived=True)[:1]:
        api.restore_record("line_items", line)
    for line in rng.sample(_hs_ids(sb, "line_items", archived=False), 2):
        api.archive_record("line_items", line)


@dataclass(frozen=True)
class CrashCase:
    """One CRM connection under the crash test."""

    connection: str
    mapping: str  # file under mappings/
    app: Callable[[Sandboxes], SandboxApp]
    first_page_route: str  # the sandbox route of an object's first page
    next_page_route: str  # ... and of the pages after it
    crm_records: Callable[[Sandboxes, Mapping], dict[str, list[RawRecord]]]
    edit: Callable[[Sandboxes, random.Random], None]
    settings: dict[str, object] = field(default_factory=dict)
    records: int = 1000  # deals in the sandbox: pages per object at the page size above
    #: Tables a PostgreSQL step locks to park a page transaction mid-page (in schedule order).
    lock_tables: tuple[str, ...] = (
        "audit_entry",
        "sync_record",
        "deal",
        "deal_line",
        "sync_cursor",
    )
    #: The order of the change stream: a cursor ends at the greatest record by this key.
    stream_order: Callable[[RawRecord], tuple[Any, ...]] = lambda r: (r.stamp, r.crm_id)


CASES = {
    "acme-sf": CrashCase(
        connection="acme-sf",
        mapping="salesforce.yaml",
        app=lambda sb: sb.sf.app,
        first_page_route="queryAll",
        next_page_route="query.more",
        crm_records=lambda sb, m: salesforce_records(sb.sf.client(), m),
        edit=edit_salesforce,
        settings={"page_size": 200},
    ),
    "emea-hs": CrashCase(
        connection="emea-hs",
        mapping="hubspot.yaml",
        app=lambda sb: sb.hs.app,
        # Every HubSpot page is a search; line items, the last and largest object, always have
        # pages left for the route-counted kill points.
        first_page_route="line_items.search",
        next_page_route="line_items.search",
        crm_records=lambda sb, m: hubspot_records(sb.hs.base_url, sb.hs.access_token, m),
        edit=edit_hubspot,
        settings={"page_size": 50},
        records=1000,
        # The route-counted kills park in line items, so earlier objects are done by then.
        lock_tables=("audit_entry", "sync_record", "deal_line", "sync_cursor", "deal_line"),
        # HubSpot ids are numbers: a tie on a stamp comes in numeric id order.
        stream_order=lambda r: (r.stamp, len(r.crm_id), r.crm_id),
    ),
}

Step = Callable[[PullRig, Engine, random.Random], bool]


def _schedule(case: CrashCase, dialect: str) -> list[tuple[str, Step | None]]:
    """The kill steps in order (``None``: the CRM changes instead); each must really kill."""
    pages = (case.first_page_route, case.next_page_route)

    def at(point: str) -> Step:
        return lambda rig, _e, _r: rig.kill_at(point)

    def in_request(route: str, k: int) -> Step:
        return lambda rig, _e, _r: rig.kill_in_request(route, k)

    def after_page(k: int) -> Step:
        return lambda rig, _e, rng: rig.kill_after_response(pages, k, rng.uniform(0.0, 0.08))

    def on_lock(table: str) -> Step:
        return lambda rig, engine, _r: rig.kill_on_lock(engine, table)

    steps: list[tuple[str, Step | None]] = [
        ("parked in the 2nd page request", in_request(case.next_page_route, 1)),
        ("1st page transaction, after its 1st write", at("write:2:1")),
        ("2nd page transaction, about to commit", at("commit:3")),
        ("just after the 2nd page transaction committed", at("after:3")),
        ("3rd page transaction, after its 3rd write", at("write:4:3")),
        ("CRM edits", None),
        ("parked in the 3rd object's first request", in_request(case.first_page_route, 3)),
        ("right after the 2nd page answer", after_page(2)),
        ("4th page transaction, after its 40th write", at("write:5:40")),
        ("about to commit the 1st page transaction", at("commit:2")),
        ("parked in the 4th page request", in_request(case.next_page_route, 4)),
        ("right after the 3rd page answer", after_page(3)),
        ("CRM edits", None),
        ("just after the 1st page transaction committed", at("after:2")),
        ("5th page transaction, after its 2nd write", at("write:6:2")),
    ]
    # External mid-page kills, spread over the objects: PostgreSQL blocks the page transaction on
    # a table lock; SQLite (whose writers lock the whole file at BEGIN) gets more random moments.
    if dialect == "postgresql":
        extra = [
            (f"blocked mid-page on a lock of {table}", on_lock(table)) for table in case.lock_tables
        ]
    else:
        extra = [(f"random moment after page answer {k}", after_page(k)) for k in (1, 2, 4, 1, 3)]
    for at_index, step in zip((2, 5, 9, 13, 16), extra, strict=True):
        steps.insert(at_index, step)
    return steps


@pytest.fixture(params=sorted(CASES))
def case(request: pytest.FixtureRequest) -> CrashCase:
    """Each CRM connection in turn."""
    return CASES[request.param]


@pytest.fixture
def world(case: CrashCase) -> Iterator[Sandboxes]:
    """Sandboxes big enough for several pages of every object."""
    with running_sandboxes(records=case.records) as both:
        yield both


def _count(engine: Engine, stmt: Any) -> int:
    with engine.connect() as conn:
        return int(conn.execute(stmt).scalar_one())


#: Targets whose rows a CRM deletion removes (the others are deactivated or flagged, and stay).
HARD_DELETED = {"deal_line"}


def assert_nothing_doubled(engine: Engine, source: str) -> None:
    """Every core row is some CRM record's, no CRM record has two, each was created once, and no
    partner joined its program twice."""
    with engine.connect() as conn:
        for target, model in MODELS.items():
            rows = set(conn.execute(select(table_of(model).c.id)).scalars())
            linked = Counter(
                conn.execute(
                    select(_LINKS.c.core_id).where(
                        _LINKS.c.source == source,
                        _LINKS.c.target == target,
                        _LINKS.c.core_id.is_not(None),
                    )
                ).scalars()
            )
            assert linked.keys() == rows, (target, sorted(rows ^ linked.keys())[:5])
            if target != "end_customer":  # two CRM accounts may share one customer (dedupe)
                assert max(linked.values(), default=1) == 1, (target, linked.most_common(3))
            made: Counter[int] = Counter()
            gone: Counter[int] = Counter()
            for action, entity_id in conn.execute(
                select(_AUDITS.c.action, _AUDITS.c.entity_id).where(
                    _AUDITS.c.entity == target,
                    _AUDITS.c.action.in_(("crm_create", "crm_delete")),
                )
            ):
                if action == "crm_create":
                    made[int(entity_id)] += 1
                elif target in HARD_DELETED:
                    gone[int(entity_id)] += 1
            # Each row created once (a removed line's id may come back on SQLite: once more).
            wrong = {i for i in made.keys() | rows if made[i] != gone[i] + (i in rows)}
            assert not wrong, (target, sorted(wrong)[:5])
        for model in (Deal, DealLine):
            t = table_of(model)
            twice = conn.execute(
                select(t.c.source, t.c.crm_id)
                .group_by(t.c.source, t.c.crm_id)
                .having(func.count() > 1)
            ).all()
            assert twice == [], (model.__name__, twice[:5])
        m = table_of(ProgramMembership)
        joined = conn.execute(
            select(m.c.partner_id, m.c.program_id)
            .where(m.c.ends_on.is_(None))
            .group_by(m.c.partner_id, m.c.program_id)
            .having(func.count() > 1)
        ).all()
        assert joined == [], joined[:5]


def assert_cursors_at_end(
    engine: Engine,
    source: str,
    records: dict[str, list[RawRecord]],
    order: Callable[[RawRecord], tuple[Any, ...]],
) -> None:
    """Each object's cursor is the (stamp, id) of the CRM's last record of it."""
    with engine.connect() as conn:
        saved = {
            obj: (stamp, last_id)
            for obj, stamp, last_id in conn.execute(
                select(_CURSORS.c.crm_object, _CURSORS.c.stamp, _CURSORS.c.last_id).where(
                    _CURSORS.c.source == source
                )
            )
        }
    for obj, recs in records.items():
        last = max(recs, key=order)
        assert saved.get(obj) == (last.stamp, last.crm_id), obj


def _last_report(engine: Engine, source: str) -> dict[str, Any]:
    with engine.connect() as conn:
        status, report = conn.execute(
            select(_RUNS.c.status, _RUNS.c.report)
            .where(_RUNS.c.source == source)
            .order_by(_RUNS.c.id.desc())
            .limit(1)
        ).one()
    assert status == "ok", report
    return dict(json.loads(report))


def test_pull_killed_at_many_points_then_rerun_equals_the_crm(
    case: CrashCase, world: Sandboxes, core: Engine, tmp_path: Path
) -> None:
    path, env = write_connections(tmp_path, world, {case.connection: case.settings})
    env |= {
        "CHANNELSYNC_CONNECTIONS_FILE": str(path),
        "CHANNELSYNC_DATABASE_URL": database_url(core),
    }
    rig = PullRig(case.connection, env, tmp_path, case.app(world))
    rng = random.Random(11)
    missed: list[str] = []
    for label, step in _schedule(case, core.dialect.name):
        if step is None:
            case.edit(world, rng)
        elif not step(rig, core, rng):
            missed.append(label)
    assert missed == [], f"these pulls ended before their kill point: {missed}"

    rig.run_clean()
    mapping = load_mapping(ROOT / "mappings" / case.mapping)
    records = case.crm_records(world, mapping)
    assert_core_matches(core, case.connection, mapped(mapping, records))
    assert_nothing_doubled(core, case.connection)
    assert_cursors_at_end(core, case.connection, records, case.stream_order)

    audits = _count(core, select(func.count()).select_from(_AUDITS))
    rig.run_clean()
    report = _last_report(core, case.connection)
    for obj, figures in report["objects"].items():
        assert figures["created"] == figures["updated"] == figures["deleted"] == 0, (obj, figures)
    assert _count(core, select(func.count()).select_from(_AUDITS)) == audits
    # Every killed run is marked interrupted (a kill before its run began leaves no row at all).
    with core.connect() as conn:
        statuses = Counter(
            conn.execute(select(_RUNS.c.status).where(_RUNS.c.source == case.connection)).scalars()
        )
    killed = sum(1 for _, step in _schedule(case, core.dialect.name) if step is not None)
    assert statuses["running"] == 0 and statuses["ok"] == 2
    assert 0 < statuses["interrupted"] <= killed
