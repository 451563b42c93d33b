"""Opening a connection for the sync: the configured connections, and a puller with its mapping.

Shared by the CLI and by callers without one (reconcile, Dagster): every problem is a
``SetupProblem`` whose message names what is wrong and how to fix it.
"""

from __future__ import annotations

from sqlalchemy.engine import Engine

from connector.connections import Connection, Connections, configured_connections
from connector.errors import CrmError
from connector.factory import open_source
from connector.settings import ConnectorSettings
from connector.sync.pull import Progress, Puller
from mappings import load_mapping


class SetupProblem(ValueError):
    """The connections file, a connection's name or its mapping cannot be used."""


def default_connections() -> Connections:
    """The connections of ``CHANNELSYNC_CONNECTIONS_FILE``, else the two local sandboxes."""
    settings = ConnectorSettings()
    try:
        return configured_connections(settings.connections_file, settings.sandbox_dir)
    except ValueError as exc:
        raise SetupProblem(str(exc)) from None


def connection_named(name: str, connections: Connections) -> Connection:
    """One connection by name (an unknown name is refused, naming the known ones)."""
    if name not in connections:
        raise SetupProblem(
            f"no connection named {name}; the connections are {', '.join(connections)}"
        )
    return connections[name]


def open_connection_puller(
    conn: Connection, engine: Engine, progress: Progress | None = None
) -> Puller:
    """A puller for one connection: its mapping loaded and validated, its CRM client opened."""
    try:
        mapping = load_mapping(conn.mapping_path)
    except ValueError as exc:
        raise SetupProblem(str(exc)) from None
    if mapping.crm != conn.kind:
        raise SetupProblem(
            f"connection {conn.name} is {conn.kind} but its mapping {conn.mapping_path} is for {mapping.crm}; point it at a {conn.kind} mapping"
        )
    try:
        source = open_source(conn)
    except CrmError as exc:
        raise SetupProblem(str(exc)) from None
    return Puller(conn.name, source, mapping, engine, progress=progress)
