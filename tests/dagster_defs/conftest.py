"""Fixtures of the Dagster tests: both sandboxes, a connections file to them, Definitions on the core."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import pytest
from sqlalchemy.engine import Engine

from connector.connections import Connection, load_connections
from dagster_defs.definitions import build_defs
from dagster_defs.resources import CoreDatabase, CrmConnection
from tests.e2e.conftest import Sandboxes, core, sandboxes, write_connections

__all__ = ["core", "sandboxes"]  # the end-to-end fixtures, used here too


@dataclass
class Orchestra:
    """Definitions over the test's sandboxes and core database, and what they were built from."""

    defs: dg.Definitions
    engine: Engine
    database: CoreDatabase
    connections: dict[str, Connection]
    connections_file: Path
    sandboxes: Sandboxes

    def resources(self, name: str) -> dict[str, object]:
        """The resources a step of connection ``name`` needs."""
        crm = CrmConnection(name=name, connections_file=str(self.connections_file))
        return {"database": self.database, f"crm_{name.replace('-', '_')}": crm}


@pytest.fixture
def orchestra(
    tmp_path: Path, sandboxes: Sandboxes, core: Engine, monkeypatch: pytest.MonkeyPatch
) -> Orchestra:
    """Definitions for ``acme-sf`` and ``emea-hs`` on this test's core database."""
    path, env = write_connections(tmp_path, sandboxes)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    conns = load_connections(path)
    database = CoreDatabase(url=core.url.render_as_string(hide_password=False))
    defs = build_defs(conns, str(path), database)
    return Orchestra(defs, core, database, conns, path, sandboxes)
