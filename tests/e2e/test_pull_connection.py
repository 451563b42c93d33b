"""A pull holds one database connection for its run: every page is still its own short transaction,
but none opens a connection of its own (on SQLite, with no pool, each one did, and closing the last
connection to a database checkpoints its whole WAL)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine

from connector.connections import Connection
from connector.factory import open_source
from connector.sync.pull import Puller
from mappings import load_mapping
from tests.e2e.conftest import FAST_RETRY, Sandboxes
from tests.e2e.oracle import assert_core_matches
from tests.e2e.probes import expected_sf


def test_a_pull_uses_one_connection_for_all_its_transactions(
    sandboxes: Sandboxes, connections: dict[str, Connection], core: Engine
) -> None:
    conn = connections["acme-sf"]
    source = open_source(conn, retry=FAST_RETRY)
    puller = Puller("acme-sf", source, load_mapping(conn.mapping_path), core, transaction_records=5)
    checkouts: list[int] = []
    begins: list[int] = []

    def checked_out(*_args: Any) -> None:
        checkouts.append(1)

    def began(*_args: Any) -> None:
        begins.append(1)

    event.listen(core, "checkout", checked_out)
    event.listen(core, "begin", began)
    try:
        report = puller.run()
        assert report.status == "ok", report.message
        assert report.total("created") > 100
        assert len(checkouts) == 1 and len(begins) > report.total("created") // 5
        assert_core_matches(core, "acme-sf", expected_sf(sandboxes.sf, puller.mapping))
        checkouts.clear()
        assert puller.run().total("created") == 0 and len(checkouts) == 1
    finally:
        event.remove(core, "checkout", checked_out)
        event.remove(core, "begin", began)
        source.close()
