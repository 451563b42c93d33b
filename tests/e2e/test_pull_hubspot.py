"""The pull from HubSpot end to end: hubspot-api-client against the sandbox, into the core."""

from __future__ import annotations

from sqlalchemy.engine import Engine

from tests.e2e.conftest import PullerFactory, Sandboxes
from tests.e2e.oracle import assert_core_matches, hubspot_records, mapped


def test_full_pull_then_a_rerun_that_writes_nothing(
    sandboxes: Sandboxes, puller: PullerFactory, core: Engine
) -> None:
    p = puller("emea-hs")
    report = p.run()
    assert report.status == "ok", report.message
    hs = sandboxes.hs
    expected = mapped(p.mapping, hubspot_records(hs.base_url, hs.access_token, p.mapping))
    assert_core_matches(core, "emea-hs", expected)
    assert report.total("created") > 0 and report.total("quarantined") == 0
    again = p.run()
    assert again.status == "ok", again.message
    assert again.total("created") == again.total("updated") == again.total("deleted") == 0
