"""Fixtures for end-to-end sync tests: fresh seeded sandboxes, connections to them, pullers.

Each test gets its own sandboxes (tests change CRM data) and its own core database (SQLite and
PostgreSQL, through the ``engine`` fixture); nothing is shared, so tests stay independent.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from sqlalchemy.engine import Engine

from connector.connections import Connection, load_connections
from connector.factory import open_source
from connector.retry import RetryPolicy
from connector.sync.pull import Puller
from crm_sandbox.hubspot.testing import HubSpotSandboxHandle, running_hubspot_sandbox
from crm_sandbox.salesforce.testing import SalesforceSandboxHandle, running_salesforce_sandbox
from mappings import load_mapping
from order_core.actors import Actor
from order_core.db import new_session
from order_core.partners.programs import create_program

if TYPE_CHECKING:
    from tests.e2e.push_world import PushWorld

RECORDS = 40  # deals per sandbox; other counts scale from it


@dataclass
class Sandboxes:
    """Both CRMs, running."""

    sf: SalesforceSandboxHandle
    hs: HubSpotSandboxHandle


@contextmanager
def running_sandboxes(records: int = RECORDS, seed: int = 3) -> Iterator[Sandboxes]:
    """Both sandboxes, seeded with ``records`` deals each, for the duration of the block."""
    with (
        running_salesforce_sandbox(seed=seed, records=records) as sf,
        running_hubspot_sandbox(seed=seed, records=records) as hs,
    ):
        yield Sandboxes(sf, hs)


@pytest.fixture
def sandboxes() -> Iterator[Sandboxes]:
    """A fresh Salesforce and HubSpot sandbox for this test."""
    with running_sandboxes() as both:
        yield both


def _settings_lines(settings: Mapping[str, object]) -> str:
    return "".join(f"    {key}: {value}\n" for key, value in settings.items())


def write_connections(
    folder: Path,
    sandboxes: Sandboxes,
    settings: Mapping[str, Mapping[str, object]] | None = None,
) -> tuple[Path, dict[str, str]]:
    """A connections file for both sandboxes and the environment holding their secrets.

    ``settings`` adds keys to a connection (``{"acme-sf": {"page_size": 200}}``).
    """
    extra = settings or {}
    root = Path(__file__).resolve().parents[2]
    path = folder / "connections.yaml"
    path.write_text(
        f"""
connections:
  acme-sf:
    kind: salesforce
    mapping: {root / "mappings" / "salesforce.yaml"}
    login_url: {sandboxes.sf.base_url}
    ca_bundle: {sandboxes.sf.ca_path}
    auth: {{flow: client_credentials, client_id: {sandboxes.sf.consumer_key}, client_secret_env: E2E_SF_SECRET}}
{_settings_lines(extra.get("acme-sf", {}))}  emea-hs:
    kind: hubspot
    mapping: {root / "mappings" / "hubspot.yaml"}
    base_url: {sandboxes.hs.base_url}
    auth: {{flow: private_app, token_env: E2E_HS_TOKEN}}
{_settings_lines(extra.get("emea-hs", {}))}""",
        encoding="utf-8",
    )
    env = {"E2E_SF_SECRET": sandboxes.sf.consumer_secret, "E2E_HS_TOKEN": sandboxes.hs.access_token}
    return path, env


@pytest.fixture
def connections(tmp_path: Path, sandboxes: Sandboxes) -> dict[str, Connection]:
    """``acme-sf`` and ``emea-hs``, from a real connections file."""
    path, env = write_connections(tmp_path, sandboxes)
    return load_connections(path, env=env)


FAST_RETRY = RetryPolicy(attempts=8, base_wait=0.01, max_wait=0.05, deadline=30)


@pytest.fixture
def core(engine: Engine) -> Engine:
    """The core database with the programs the shipped mappings name."""
    with new_session(engine) as session:
        admin = Actor.vendor("admin")
        create_program("RESELLER", "Reseller Program", session=session, actor=admin)
        create_program("DISTRIBUTOR", "Distributor Program", session=session, actor=admin)
    return engine


PullerFactory = Callable[[str], Puller]


@pytest.fixture
def puller(connections: dict[str, Connection], core: Engine) -> Iterator[PullerFactory]:
    """Make a puller for a connection name (closed at the end of the test)."""
    made: list[Puller] = []

    def make(name: str) -> Puller:
        conn = connections[name]
        p = Puller(name, open_source(conn, retry=FAST_RETRY), load_mapping(conn.mapping_path), core)
        made.append(p)
        return p

    yield make
    for p in made:
        p.source.close()


@pytest.fixture
def world(
    core: Engine,
    sandboxes: Sandboxes,
    connections: dict[str, Connection],
    puller: PullerFactory,
) -> PushWorld:
    """For the push tests: products loaded for the sandboxes' SKUs, both connections pulled."""
    from tests.e2e.push_world import build_world

    return build_world(core, sandboxes, connections, puller)
