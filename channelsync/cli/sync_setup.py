"""Connections and pullers for the sync commands: the configured connections, one chosen by name."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.engine import Engine

from connector.connections import Connection, HubSpotSpec, configured_connections
from connector.errors import CrmError
from connector.factory import open_source
from connector.settings import ConnectorSettings
from connector.sync.pull import Progress, Puller, PullOptions
from mappings import load_mapping
from order_core.errors import DomainError


class SetupError(DomainError):
    """The connections or a mapping cannot be used (one line per problem)."""


def chosen_connections(names: list[str] | None) -> list[Connection]:
    """The configured connections, or those named (an unknown name is an error naming the known)."""
    settings = ConnectorSettings()
    try:
        conns = configured_connections(settings.connections_file, settings.sandbox_dir)
    except ValueError as exc:
        raise SetupError(str(exc)) from None
    if not names:
        return list(conns.values())
    unknown = [n for n in names if n not in conns]
    if unknown:
        raise SetupError(
            f"no connection named {', '.join(unknown)}; the connections are {', '.join(conns)}"
        )
    return [conns[n] for n in names]


def pull_options(conn: Connection, objects: Sequence[str] | None, full: bool) -> PullOptions:
    """What to pull from one connection: the chosen objects, and the connection's own cadence of
    full association re-reads (HubSpot's ``associations_full_every_hours``)."""
    spec = conn.spec
    if isinstance(spec, HubSpotSpec):
        return PullOptions(
            objects=objects, full=full, association_refresh_hours=spec.associations_full_every_hours
        )
    return PullOptions(objects=objects, full=full)


def open_puller(conn: Connection, engine: Engine, progress: Progress | None) -> Puller:
    """A puller for one connection: its mapping loaded and validated, its CRM client opened."""
    try:
        mapping = load_mapping(conn.mapping_path)
    except ValueError as exc:
        raise SetupError(str(exc)) from None
    if mapping.crm != conn.kind:
        raise SetupError(
            f"connection {conn.name} is {conn.kind} but its mapping {conn.mapping_path} is for {mapping.crm}; point it at a {conn.kind} mapping"
        )
    try:
        source = open_source(conn)
    except CrmError as exc:
        raise SetupError(str(exc)) from None
    return Puller(conn.name, source, mapping, engine, progress=progress)
