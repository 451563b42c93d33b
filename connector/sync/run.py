"""Pulling one named connection: its spec from the connections file, its mapping, its CRM client.

What the command line and Dagster call: ``pull_connection`` runs the incremental pull of one
connection and ``pull_records`` re-reads named records of one object (a re-sync by id). Both
close the CRM client when done; a connection or mapping that cannot be used is a ``SetupError``
naming it and the fix.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from sqlalchemy.engine import Engine

from connector.connections import Connection, HubSpotSpec, configured_connections
from connector.errors import CrmError
from connector.factory import open_source
from connector.settings import ConnectorSettings
from connector.sync.pull import Progress, Puller, PullOptions
from connector.sync.report import RunReport
from connector.sync.requested import pull_requested
from mappings import load_mapping
from order_core.errors import DomainError


class SetupError(DomainError):
    """The connections or a mapping cannot be used (one line per problem)."""


def configured() -> dict[str, Connection]:
    """The connections of ``CHANNELSYNC_CONNECTIONS_FILE``, else the two local sandboxes."""
    settings = ConnectorSettings()
    try:
        return configured_connections(settings.connections_file, settings.sandbox_dir)
    except ValueError as exc:
        raise SetupError(str(exc)) from None


def connection_named(name: str, connections: Mapping[str, Connection] | None = None) -> Connection:
    """One connection by name (an unknown name is an error naming the known ones)."""
    conns = configured() if connections is None else connections
    if name not in conns:
        raise SetupError(f"no connection named {name}; the connections are {', '.join(conns)}")
    return conns[name]


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


def pull_connection(
    name: str,
    engine: Engine,
    *,
    objects: Sequence[str] | None = None,
    full: bool = False,
    connections: Mapping[str, Connection] | None = None,
    progress: Progress | None = None,
    serve_requests: bool = True,
) -> RunReport:
    """Pull one connection (every mapped object, or the chosen ones) into the core; an object the
    mapping does not map raises ``UnknownObjects`` before anything is written.

    With ``serve_requests`` the records webhooks queued for a re-pull go first (they are what
    someone is waiting for); the report's ``requested`` says what that did.
    """
    conn = connection_named(name, connections)
    options = pull_options(conn, objects, full)
    puller = open_puller(conn, engine, progress)
    try:
        puller.check_objects(options.objects)  # refused before anything is written
        requested = pull_requested(puller) if serve_requests else None
        report = puller.run(options)
        report.requested = requested
        return report
    finally:
        puller.source.close()


def pull_records(
    name: str,
    engine: Engine,
    crm_object: str,
    crm_ids: Sequence[str],
    *,
    connections: Mapping[str, Connection] | None = None,
) -> RunReport:
    """Re-read the named records of one object of one connection now (a re-sync by id); an
    object the mapping does not map raises ``UnknownObjects``."""
    puller = open_puller(connection_named(name, connections), engine, None)
    try:
        return puller.pull_records(crm_object, crm_ids)
    finally:
        puller.source.close()
