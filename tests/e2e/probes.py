"""What the end-to-end pull tests look at: core snapshots, quarantine and cursor rows, the oracle's
expectation per CRM, and pullers built on a chosen retry / pacing clock and connections file."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from connector.connections import Connection, load_connections
from connector.hubspot import Clock, open_hubspot
from connector.retry import RetryPolicy
from connector.salesforce import open_salesforce
from connector.sync.pull import Progress, Puller
from crm_sandbox.hubspot.testing import HubSpotSandboxHandle
from crm_sandbox.salesforce.testing import SalesforceSandboxHandle
from mappings import MappedRecord, Mapping, load_mapping
from order_core.audit import AuditEntry
from order_core.customers.models import EndCustomer
from order_core.deals.models import Deal, DealLine
from order_core.partners.models import Buyer, Partner
from order_core.rowbatch import table_of
from order_core.sync.models import QuarantineEntry, SyncCursor, SyncRecord
from tests.e2e.conftest import FAST_RETRY
from tests.e2e.oracle import hubspot_records, mapped, salesforce_records

ROOT = Path(__file__).resolve().parents[2]
#: Tables whose rows a pull may write (the sync bookkeeping of runs and cursor times aside).
WRITTEN = (Partner, EndCustomer, Buyer, Deal, DealLine, SyncRecord, QuarantineEntry, AuditEntry)


@dataclass
class FakeClock:
    """A clock that moves only when slept on; remembers every sleep (retry waits, pacing)."""

    t: float = 1000.0
    sleeps: list[float] = field(default_factory=list)

    def now(self) -> float:
        return self.t

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.t += seconds


def fake_retry(clock: FakeClock, attempts: int = 8) -> RetryPolicy:
    """The default backoff (0.5 s doubling, Retry-After honoured) on a fake clock: nothing sleeps."""
    return RetryPolicy(attempts=attempts, sleep=clock.sleep, clock=clock.now)


def connections_file(
    folder: Path,
    *,
    sf: SalesforceSandboxHandle | None = None,
    hs: HubSpotSandboxHandle | None = None,
    sf_mapping: Path | None = None,
    hs_mapping: Path | None = None,
    extra: str = "",
) -> tuple[Path, dict[str, str]]:
    """A connections file for the given sandboxes (small pages) and the environment of its secrets."""
    lines = ["connections:"]
    env: dict[str, str] = {}
    if sf is not None:
        lines += [
            "  acme-sf:",
            "    kind: salesforce",
            f"    mapping: {sf_mapping or ROOT / 'mappings' / 'salesforce.yaml'}",
            f"    login_url: {sf.base_url}",
            f"    ca_bundle: {sf.ca_path}",
            "    page_size: 200",
            f"    auth: {{flow: client_credentials, client_id: {sf.consumer_key}, "
            "client_secret_env: E2E_SF_SECRET}",
        ]
        env["E2E_SF_SECRET"] = sf.consumer_secret
    if hs is not None:
        lines += [
            "  emea-hs:",
            "    kind: hubspot",
            f"    mapping: {hs_mapping or ROOT / 'mappings' / 'hubspot.yaml'}",
            f"    base_url: {hs.base_url}",
            "    auth: {flow: private_app, token_env: E2E_HS_TOKEN}",
        ]
        env["E2E_HS_TOKEN"] = hs.access_token
    path = folder / "connections.yaml"
    path.write_text("\n".join(lines) + "\n" + extra, encoding="utf-8")
    return path, env


def load(folder: Path, **kwargs: Any) -> dict[str, Connection]:
    """The connections of :func:`connections_file`, loaded."""
    path, env = connections_file(folder, **kwargs)
    return load_connections(path, env=env)


def puller(
    request: pytest.FixtureRequest,
    conn: Connection,
    engine: Engine,
    *,
    retry: RetryPolicy,
    pace: FakeClock | None = None,
    progress: Progress | None = None,
    mapping: Mapping | None = None,
) -> Puller:
    """A puller on a chosen retry policy (and, for HubSpot, a pacing clock), closed after the test."""
    if conn.kind == "salesforce":
        source: Any = open_salesforce(conn, retry=retry)
    else:
        clock = None if pace is None else Clock(pace.now, pace.sleep)
        source = open_hubspot(conn, retry=retry, clock=clock)
    request.addfinalizer(source.close)
    return Puller(
        conn.name, source, mapping or load_mapping(conn.mapping_path), engine, progress=progress
    )


def hubspot_429(policy: str) -> bytes:
    """HubSpot's 429 body for a rate-limit policy (``TEN_SECONDLY_ROLLING``, ``SECONDLY``, ``DAILY``)."""
    return json.dumps(
        {
            "status": "error",
            "message": f"You have reached your {policy.lower()} limit.",
            "errorType": "RATE_LIMIT",
            "policyName": policy,
            "groupName": "api-calls",
        }
    ).encode()


def retries(p: Puller) -> int:
    """Calls the puller's CRM client tried again (either CRM's client counts them)."""
    source: Any = p.source
    return int(source.client.retries)


def fast_hubspot(
    request: pytest.FixtureRequest,
    conn: Connection,
    engine: Engine,
    hs: HubSpotSandboxHandle,
    *,
    retry: RetryPolicy = FAST_RETRY,
) -> Puller:
    """A HubSpot puller whose rate-limit pacing runs on a fake clock, against a sandbox with its
    limits off: the same calls, without sleeping 200 ms per search (closed after the test)."""
    hs.app.set_rate_limits(enabled=False)
    return puller(request, conn, engine, retry=retry, pace=FakeClock())


def expected_sf(sf: SalesforceSandboxHandle, mapping: Mapping) -> list[MappedRecord]:
    """What the core should hold for the Salesforce sandbox now (the independent oracle)."""
    return mapped(mapping, salesforce_records(sf.client(), mapping))


def expected_hs(hs: HubSpotSandboxHandle, mapping: Mapping) -> list[MappedRecord]:
    """What the core should hold for the HubSpot sandbox now (the independent oracle)."""
    return mapped(mapping, hubspot_records(hs.base_url, hs.access_token, mapping))


Snapshot = dict[str, dict[int, dict[str, Any]]]


def snapshot(engine: Engine) -> Snapshot:
    """Every row of every table a pull writes, by table and id (to prove what changed)."""
    out: Snapshot = {}
    with engine.connect() as conn:
        for model in WRITTEN:
            table = table_of(model)
            out[table.name] = {
                int(r["id"]): dict(r) for r in conn.execute(select(table)).mappings()
            }
    return out


def changed(before: Snapshot, after: Snapshot) -> dict[str, set[int]]:
    """Ids of the rows added, removed or changed, by table (tables without changes left out)."""
    out: dict[str, set[int]] = {}
    for name, rows in after.items():
        old = before[name]
        ids = {i for i in rows.keys() | old.keys() if rows.get(i) != old.get(i)}
        if ids:
            out[name] = ids
    return out


def count(engine: Engine, model: Any, *where: Any) -> int:
    """Rows of ``model`` (matching ``where``)."""
    with engine.connect() as conn:
        stmt = select(func.count()).select_from(table_of(model)).where(*where)
        return int(conn.execute(stmt).scalar_one())


def audits(engine: Engine, action: str | None = None, entity: str | None = None) -> int:
    """Audit entries (of one action, on one kind of entity)."""
    t = table_of(AuditEntry)
    where = [] if action is None else [t.c.action == action]
    return count(engine, AuditEntry, *where, *([] if entity is None else [t.c.entity == entity]))


def held(engine: Engine, source: str) -> list[dict[str, Any]]:
    """The quarantine entries of a connection, by id."""
    t = table_of(QuarantineEntry)
    with engine.connect() as conn:
        stmt = select(t).where(t.c.source == source).order_by(t.c.id)
        return [dict(r) for r in conn.execute(stmt).mappings()]


def cursor(engine: Engine, source: str, obj: str) -> tuple[datetime, str] | None:
    """The saved (stamp, last id) of one object."""
    t = table_of(SyncCursor)
    with engine.connect() as conn:
        row = conn.execute(
            select(t.c.stamp, t.c.last_id).where(t.c.source == source, t.c.crm_object == obj)
        ).first()
    return None if row is None or row.stamp is None else (row.stamp, row.last_id)


def cursors(engine: Engine, source: str) -> dict[str, tuple[datetime, str] | None]:
    """Every saved cursor of a connection by object."""
    t = table_of(SyncCursor)
    with engine.connect() as conn:
        rows = conn.execute(select(t.c.crm_object).where(t.c.source == source)).scalars().all()
    return {obj: cursor(engine, source, obj) for obj in rows}


def core_row(engine: Engine, model: Any, source: str, target: str, crm_id: str) -> dict[str, Any]:
    """The core row a CRM record is linked to."""
    links, table = table_of(SyncRecord), table_of(model)
    with engine.connect() as conn:
        core_id = conn.execute(
            select(links.c.core_id).where(
                links.c.source == source, links.c.target == target, links.c.crm_id == crm_id
            )
        ).scalar_one()
        return dict(conn.execute(select(table).where(table.c.id == core_id)).mappings().one())


def deal_by_crm_id(engine: Engine, source: str, crm_id: str) -> dict[str, Any] | None:
    """A deal by its CRM id (deleted ones included)."""
    t = table_of(Deal)
    with engine.connect() as conn:
        row = (
            conn.execute(select(t).where(t.c.source == source, t.c.crm_id == crm_id))
            .mappings()
            .first()
        )
    return None if row is None else dict(row)


def line_ids(engine: Engine, source: str) -> set[str]:
    """CRM ids of the deal lines in the core."""
    t = table_of(DealLine)
    with engine.connect() as conn:
        return set(conn.execute(select(t.c.crm_id).where(t.c.source == source)).scalars())
