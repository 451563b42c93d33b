"""Connections and pullers for the sync commands: the configured connections, one chosen by name."""

from __future__ import annotations

from connector.connections import Connection
from connector.sync.run import SetupError, configured, open_puller

__all__ = ["SetupError", "chosen_connections", "open_puller"]


def chosen_connections(names: list[str] | None) -> list[Connection]:
    """The configured connections, or those named (an unknown name is an error naming the known)."""
    conns = configured()
    if not names:
        return list(conns.values())
    unknown = [n for n in names if n not in conns]
    if unknown:
        raise SetupError(
            f"no connection named {', '.join(unknown)}; the connections are {', '.join(conns)}"
        )
    return [conns[n] for n in names]
