"""The pull from Salesforce end to end: simple-salesforce against the sandbox, into the core."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from order_core.audit import AuditEntry
from tests.e2e.conftest import PullerFactory, Sandboxes
from tests.e2e.oracle import assert_core_matches, mapped, salesforce_records


def _audits(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(AuditEntry)).scalar_one())


def test_full_pull_then_a_rerun_that_writes_nothing(
    sandboxes: Sandboxes, puller: PullerFactory, core: Engine
) -> None:
    p = puller("acme-sf")
    report = p.run()
    assert report.status == "ok", report.message
    expected = mapped(p.mapping, salesforce_records(sandboxes.sf.client(), p.mapping))
    assert_core_matches(core, "acme-sf", expected)
    assert report.total("created") > 0 and report.total("quarantined") == 0
    audits = _audits(core)
    again = p.run()
    assert again.status == "ok"
    assert again.total("created") == again.total("updated") == again.total("deleted") == 0
    assert _audits(core) == audits
    assert again.api_calls == len(p.mapping.objects)  # one query per object, nothing else
