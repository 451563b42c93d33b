"""Connections and pullers for the sync commands: the configured connections, one chosen by name."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.engine import Engine

from connector.connections import Connection, HubSpotSpec
from connector.sync.opening import SetupProblem, default_connections, open_connection_puller
from connector.sync.pull import Progress, Puller, PullOptions
from order_core.errors import DomainError


class SetupError(DomainError):
    """The connections or a mapping cannot be used (one line per problem)."""


def chosen_connections(names: list[str] | None) -> list[Connection]:
    """The configured connections, or those named (an unknown name is an error naming the known)."""
    try:
        conns = default_connections()
    except SetupProblem as exc:
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
        return open_connection_puller(conn, engine, progress)
    except SetupProblem as exc:
        raise SetupError(str(exc)) from None
